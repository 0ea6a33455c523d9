package org.kdml.core.export;

import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.export.OnnxGraph.Attr;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.FoldedConv;
import org.kdml.core.model.KdNetwork;
import org.kdml.core.model.Layers;
import org.kdml.core.model.SimKdStudent;
import org.kdml.core.model.UNet;

/**
 * Writes kdml's networks into an {@link OnnxGraph} as inference graphs: every convolution followed
 * by a batch norm becomes one convolution with the batch norm folded in
 * ({@code W' = W·γ/√(σ²+ε)}, {@code b' = β + (b − μ)·γ/√(σ²+ε)} per output channel, in double);
 * residual blocks become Add + Relu; a U-Net's 2× nearest upsampling becomes Resize (nearest,
 * asymmetric, floor: each pixel repeated, as the training graph's {@code repeat}). A block of a
 * kind it does not know is refused with its class, never skipped.
 */
final class NetworkGraph {

    private final OnnxGraph g;
    /** Each tensor's shape without the batch axis: (C, H, W) or (C). */
    private final Map<String, long[]> shapes = new HashMap<>();
    private long macs;

    NetworkGraph(OnnxGraph g) {
        this.g = g;
    }

    /** Declares the shape (without the batch axis) of a tensor made outside this writer, e.g. the input. */
    void shape(String tensor, long... dims) {
        shapes.put(tensor, dims);
    }

    /** @return the multiply-adds per image of what was written so far (convolutions and linear layers) */
    long macs() {
        return macs;
    }

    private String like(String out, String in) {
        shapes.put(out, shapes.get(in));
        return out;
    }

    /** @return the name of {@code net}'s logits on the input {@code x} (the deployed prediction's) */
    String logits(DistillNet net, String x) {
        if (net instanceof SimKdStudent s) {
            if (s.student().hasAdapter()) {
                throw new IllegalArgumentException("simkd: a student with an adapter cannot be exported");
            }
            String f = blocks(s.student().featureBlocks(), x);
            return block(s.teacherHead(), block(s.projector(), f));
        }
        if (net instanceof KdNetwork k) {
            return block(k.head(), blocks(k.featureBlocks(), x));
        }
        if (net instanceof UNet u) {
            return unet(u, x);
        }
        throw new IllegalArgumentException("cannot export a " + net.getClass().getSimpleName() + " ("
                + net.architecture() + ")");
    }

    private String unet(UNet u, String x) {
        List<Block> encoder = u.encoderBlocks();
        String[] skips = new String[5];
        String y = x;
        for (int i = 0; i < encoder.size(); i++) {
            y = block(encoder.get(i), y);
            int t = u.taps().indexOf(i);
            if (t >= 0) {
                skips[t] = y;
            }
        }
        y = skips[4];
        String scales = g.constant("upsample.scales", new float[] {1, 1, 2, 2}, 4);
        String z;
        List<Block> decoder = u.decoderBlocks();
        for (int i = 0; i < decoder.size(); i++) {
            long[] in = shapes.get(y);
            z = g.op("Resize", List.of(y, "", scales), Attr.of("mode", "nearest"),
                    Attr.of("coordinate_transformation_mode", "asymmetric"), Attr.of("nearest_mode", "floor"));
            shapes.put(z, new long[] {in[0], in[1] * 2, in[2] * 2});
            y = z;
            if (i < 4) {
                long[] skip = shapes.get(skips[3 - i]);
                z = g.op("Concat", List.of(y, skips[3 - i]), Attr.of("axis", 1L));
                shapes.put(z, new long[] {in[0] + skip[0], in[1] * 2, in[2] * 2});
                y = z;
            }
            y = block(decoder.get(i), y);
        }
        return block(u.head(), y);
    }

    private String blocks(List<Block> blocks, String x) {
        String y = x;
        for (Block b : blocks) {
            y = block(b, y);
        }
        return y;
    }

    private String block(Block b, String x) {
        if (b instanceof SequentialBlock s) {
            List<Block> children = new ArrayList<>();
            s.getChildren().forEach(p -> children.add(p.getValue()));
            String y = x;
            for (int i = 0; i < children.size(); i++) {
                Block c = children.get(i);
                if (c instanceof Convolution conv && i + 1 < children.size()
                        && children.get(i + 1) instanceof BatchNorm bn) {
                    y = conv(conv, bn, y);
                    i++;
                } else {
                    y = block(c, y);
                }
            }
            return y;
        }
        if (b instanceof Layers.Residual r) {
            String main = block(r.main(), x);
            String shortcut = block(r.shortcut(), x);
            return like(g.op("Relu", List.of(like(g.op("Add", List.of(main, shortcut)), main))), main);
        }
        if (b instanceof Convolution conv) {
            return conv(conv, null, x);
        }
        if (b instanceof BatchNorm bn) {
            return batchNorm(bn, x);
        }
        if (b instanceof Linear linear) {
            Parameter w = param(linear, "weight");
            Parameter bias = param(linear, "bias");
            long[] wd = dims(w);
            macs += wd[0] * wd[1];
            String out = g.op("Gemm", List.of(x, g.constant("fc.weight", floats(w), dims(w)), g.constant("fc.bias",
                    floats(bias), dims(bias))), Attr.of("transB", 1L));
            shapes.put(out, new long[] {wd[0]});
            return out;
        }
        if (b instanceof Layers.MaxPool p) {
            long k = p.kernel();
            long s = p.stride();
            long pad = p.padding();
            long[] in = shapes.get(x);
            String out = g.op("MaxPool", List.of(x), Attr.ints("kernel_shape", k, k), Attr.ints("strides", s, s),
                    Attr.ints("pads", pad, pad, pad, pad));
            shapes.put(out, new long[] {in[0], (in[1] + 2 * pad - k) / s + 1, (in[2] + 2 * pad - k) / s + 1});
            return out;
        }
        if (b instanceof LambdaBlock l) {
            switch (l.getName()) {
                case "ReLU":
                    return like(g.op("Relu", List.of(x)), x);
                case "globalAvgPool2d": {
                    String out = g.op("GlobalAveragePool", List.of(x));
                    shapes.put(out, new long[] {shapes.get(x)[0], 1, 1});
                    return out;
                }
                case "batchFlatten": {
                    String out = g.op("Flatten", List.of(x), Attr.of("axis", 1L));
                    long[] in = shapes.get(x);
                    long n = 1;
                    for (long d : in) {
                        n *= d;
                    }
                    shapes.put(out, new long[] {n});
                    return out;
                }
                case "identity":
                    return x;
                default:
                    throw new IllegalArgumentException("cannot export the lambda block '" + l.getName() + "'");
            }
        }
        throw new IllegalArgumentException("cannot export a " + b.getClass().getSimpleName() + " block");
    }

    /** A convolution, with the batch norm that follows it folded in when {@code bn} is not null. */
    private String conv(Convolution conv, BatchNorm bn, String x) {
        Parameter w = param(conv, "weight");
        long[] dims = dims(w);
        int out = (int) dims[0];
        FoldedConv f = FoldedConv.of(conv, bn);
        float[] folded = f.weight();
        float[] b = f.bias();
        long[] k = conv.getKernelShape().getShape();
        long[] s = conv.getStride().getShape();
        long[] p = conv.getPadding().getShape();
        long[] d = conv.getDilation().getShape();
        long[] in = shapes.get(x);
        long h = (in[1] + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0] + 1;
        long w2 = (in[2] + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1] + 1;
        macs += out * h * w2 * dims[1] * k[0] * k[1];
        String y = g.op("Conv", List.of(x, g.constant("conv.weight", folded, dims), g.constant("conv.bias", b, out)),
                Attr.ints("kernel_shape", k), Attr.ints("strides", s), Attr.ints("pads", p[0], p[1], p[0], p[1]),
                Attr.ints("dilations", d), Attr.of("group", (long) conv.getGroups()));
        shapes.put(y, new long[] {out, h, w2});
        return y;
    }

    private String batchNorm(BatchNorm bn, String x) {
        Parameter gamma = param(bn, "gamma");
        long c = dims(gamma)[0];
        return like(g.op("BatchNormalization", List.of(x, g.constant("bn.scale", floats(gamma), c),
                g.constant("bn.bias", floats(param(bn, "beta")), c), g.constant("bn.mean",
                        floats(param(bn, "runningMean")), c), g.constant("bn.var", floats(param(bn, "runningVar")), c)),
                Attr.of("epsilon", Layers.BN_EPSILON)), x);
    }

    private static Parameter param(Block b, String name) {
        Parameter p = b.getParameters().get(name);
        if (p == null) {
            throw new IllegalArgumentException(b.getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return p;
    }

    private static float[] floats(Parameter p) {
        return p.getArray().toFloatArray();
    }

    private static long[] dims(Parameter p) {
        return p.getArray().getShape().getShape();
    }
}
