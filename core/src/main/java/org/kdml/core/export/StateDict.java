package org.kdml.core.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.KdNetwork;
import org.kdml.core.model.Layers;
import org.kdml.core.model.SimKdStudent;
import org.kdml.core.model.UNet;
import org.kdml.core.tensor.Tensors;

/**
 * A network as a PyTorch {@code state_dict} in a NumPy {@code .npz} ({@code weights.npz}): the
 * inverse of the {@code weights:} import ({@code PretrainedWeights}). Names follow torchvision's
 * ResNet ({@code conv1.weight}, {@code bn1.running_mean}, {@code layer1.0.downsample.0.weight},
 * {@code fc.bias}) and segmentation_models_pytorch's {@code Unet} ({@code encoder.…},
 * {@code decoder.blocks.0.conv1.0.weight}, {@code segmentation_head.0.weight}); every batch norm
 * also gets torchvision's {@code num_batches_tracked} (0), so that {@code load_state_dict} is
 * strict-clean. torchvision has no MobileNet v1: its blocks keep kdml's names ({@code dw2.conv1},
 * {@code dw2.bn1}, …), as do SimKD's projector ({@code projector.conv1}, …) and the teacher
 * classifier it deploys ({@code teacher_fc}). Entries are in the network's parameter order.
 */
public final class StateDict {

    private StateDict() {
    }

    /** One entry: its name and the parameter (null for {@code num_batches_tracked}). */
    record Entry(String name, Parameter parameter) {
    }

    /** @return the network's entries in parameter order, {@code num_batches_tracked} after each batch norm */
    static List<Entry> entries(DistillNet net) {
        List<Entry> out = new ArrayList<>();
        if (net instanceof SimKdStudent s) {
            kd(s.student(), out);
            walk(s.projector(), "projector.", new int[1], out);
            linear(s.teacherHead(), "teacher_fc", out);
        } else if (net instanceof KdNetwork k) {
            kd(k, out);
        } else if (net instanceof UNet u) {
            List<String> names = u.layerNames();
            List<Block> enc = u.encoderBlocks();
            for (int i = 0; i < enc.size(); i++) {
                String name = names.get(i).substring("enc.".length());
                walk(enc.get(i), name.equals("conv1") ? "encoder." : "encoder." + name + ".", new int[1], out);
            }
            List<Block> dec = u.decoderBlocks();
            for (int i = 0; i < dec.size(); i++) {
                int[] n = new int[1];
                for (Pair<String, Block> c : ((SequentialBlock) dec.get(i)).getChildren()) {
                    n[0]++;
                    smpConv(c.getValue(), "decoder.blocks." + i + ".conv" + n[0] + ".", out);
                }
            }
            out.add(new Entry("segmentation_head.0.weight", u.head().getParameters().get("weight")));
            out.add(new Entry("segmentation_head.0.bias", u.head().getParameters().get("bias")));
        } else {
            throw new IllegalArgumentException("no state_dict layout for a " + net.getClass().getSimpleName());
        }
        List<Parameter> expected = new ArrayList<>();
        net.getParameters().forEach(p -> expected.add(p.getValue()));
        List<Parameter> got = new ArrayList<>();
        out.stream().filter(e -> e.parameter() != null).forEach(e -> got.add(e.parameter()));
        if (!expected.equals(got)) {
            throw new IllegalStateException(net.architecture() + ": the state_dict walk found " + got.size()
                    + " parameters, the network has " + expected.size() + " (or in another order)");
        }
        return out;
    }

    private static void kd(KdNetwork k, List<Entry> out) {
        List<String> names = k.layerNames();
        List<Block> blocks = k.featureBlocks();
        for (int i = 0; i < blocks.size(); i++) {
            String name = names.get(i);
            // torchvision's ResNet stem is conv1 / bn1 at the top level.
            String prefix = name.equals("stem") && blocks.get(i) instanceof SequentialBlock s
                    && s.getChildren().get(1).getValue() instanceof Layers.MaxPool ? "" : name + ".";
            walk(blocks.get(i), prefix, new int[1], out);
        }
        linear(k.head(), "fc", out);
    }

    /** Convolutions and batch norms numbered in order (conv1, bn1, conv2, …); a residual's shortcut is downsample. */
    private static void walk(Block b, String prefix, int[] n, List<Entry> out) {
        if (b instanceof Layers.Residual r) {
            walk(r.main(), prefix, n, out);
            walk(r.shortcut(), prefix + "downsample.", null, out);
        } else if (b instanceof SequentialBlock s) {
            int[] index = {0};
            for (Pair<String, Block> c : s.getChildren()) {
                if (n == null) {
                    // torchvision's downsample is Sequential(conv, bn): indices 0 and 1.
                    leaf(c.getValue(), prefix + index[0]++, out);
                } else {
                    walk(c.getValue(), prefix, n, out);
                }
            }
        } else if (b instanceof Convolution) {
            n[0]++;
            leaf(b, prefix + "conv" + n[0], out);
        } else if (b instanceof BatchNorm) {
            leaf(b, prefix + "bn" + n[0], out);
        } else if (!b.getParameters().isEmpty()) {
            throw new IllegalArgumentException("no state_dict name for a " + b.getClass().getSimpleName());
        }
    }

    /** smp's Conv2dReLU: Sequential(conv, bn, relu) as {@code .0} and {@code .1}. */
    private static void smpConv(Block convBnRelu, String prefix, List<Entry> out) {
        int i = 0;
        for (Pair<String, Block> c : ((SequentialBlock) convBnRelu).getChildren()) {
            if (!c.getValue().getParameters().isEmpty()) {
                leaf(c.getValue(), prefix + i, out);
            }
            i++;
        }
    }

    private static void leaf(Block b, String name, List<Entry> out) {
        if (b instanceof BatchNorm) {
            out.add(new Entry(name + ".weight", b.getParameters().get("gamma")));
            out.add(new Entry(name + ".bias", b.getParameters().get("beta")));
            out.add(new Entry(name + ".running_mean", b.getParameters().get("runningMean")));
            out.add(new Entry(name + ".running_var", b.getParameters().get("runningVar")));
            out.add(new Entry(name + ".num_batches_tracked", null));
        } else if (b instanceof Convolution || b instanceof Linear) {
            out.add(new Entry(name + ".weight", b.getParameters().get("weight")));
            Parameter bias = b.getParameters().get("bias");
            if (bias != null) {
                out.add(new Entry(name + ".bias", bias));
            }
        } else if (!b.getParameters().isEmpty()) {
            throw new IllegalArgumentException("no state_dict name for a " + b.getClass().getSimpleName());
        }
    }

    /** The classifier head (pool, flatten, linear): {@code <name>.weight}, {@code <name>.bias}. */
    private static void linear(Block head, String name, List<Entry> out) {
        for (Pair<String, Block> c : ((SequentialBlock) head).getChildren()) {
            if (c.getValue() instanceof Linear) {
                leaf(c.getValue(), name, out);
            }
        }
    }

    /** @return the state_dict's names, in order */
    public static List<String> names(DistillNet net) {
        return entries(net).stream().map(Entry::name).toList();
    }

    /**
     * Writes {@code net} as {@code file} (a NumPy {@code .npz}).
     *
     * @throws IOException when the file cannot be written
     */
    public static void write(DistillNet net, Path file) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list = new NDList();
            for (Entry e : entries(net)) {
                NDArray a = e.parameter() == null ? m.zeros(new Shape(), DataType.INT64) : Tensors.floats(m,
                        e.parameter().getArray().toFloatArray(), e.parameter().getArray().getShape());
                a.setName(e.name());
                list.add(a);
            }
            try (OutputStream os = Files.newOutputStream(file)) {
                list.encode(os, NDList.Encoding.NPZ);
            }
        }
    }
}
