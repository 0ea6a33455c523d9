package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A U-Net whose encoder is a classification backbone (ResNet or MobileNet), with five decoder
 * blocks — each a 2× nearest upsampling, concatenation of the encoder's skip at that scale, and
 * two 3×3 conv–BN–ReLU — and a 3×3 convolution to per-pixel logits (the layout of
 * segmentation_models_pytorch's {@code Unet}). The shared feature is the first decoder block's
 * output (stride 16), the same shape in teacher and students. Input sides must be multiples of 32.
 * Parameters start as torchvision's ({@link Initialization}): Kaiming normal (fan_out) for every
 * convolution, the decoder's and the head's included, and a zero head bias.
 */
public final class UNet extends DistillNet {

    /**
     * An encoder: its blocks in order, the indices of the blocks whose outputs are skips (strides
     * 2, 4, 8, 16) and the deepest output (stride 32), and their channels.
     */
    record Encoder(List<Pair<String, Block>> blocks, List<Integer> taps, List<Integer> channels) {
        Encoder {
            if (taps.size() != 5 || channels.size() != 5) {
                throw new IllegalArgumentException("a U-Net encoder needs 5 taps (strides 2..32), got " + taps);
            }
        }
    }

    private static final byte VERSION = 1;

    private final String architecture;
    private final List<String> encoderNames = new ArrayList<>();
    private final List<Block> encoder = new ArrayList<>();
    private final List<Integer> taps;
    private final List<Integer> tapChannels;
    private final List<Block> decoder = new ArrayList<>();
    private final int[] decoderChannels;
    private final Block head;
    private final int outputs;

    UNet(String architecture, Encoder enc, int[] decoderChannels, int outputs) {
        super(VERSION);
        this.architecture = architecture;
        this.taps = List.copyOf(enc.taps());
        this.tapChannels = List.copyOf(enc.channels());
        this.decoderChannels = decoderChannels.clone();
        this.outputs = outputs;
        for (Pair<String, Block> p : enc.blocks()) {
            encoderNames.add(p.getKey());
            encoder.add(addChildBlock("enc." + p.getKey(), p.getValue()));
        }
        for (int i = 0; i < 5; i++) {
            decoder.add(addChildBlock("dec" + (i + 1), new SequentialBlock()
                    .add(Layers.convBnRelu(decoderChannels[i], 3, 1, 1, 1))
                    .add(Layers.convBnRelu(decoderChannels[i], 3, 1, 1, 1))));
        }
        head = addChildBlock("head", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .setFilters(outputs).optBias(true).build());
        Initialization.torchvision(this);
    }

    @Override
    public String architecture() {
        return architecture;
    }

    @Override
    public int featureChannels() {
        return decoderChannels[0];
    }

    /** @return output channels: 1 for binary masks (sigmoid), C for C-class masks (softmax) */
    public int outputs() {
        return outputs;
    }

    /** @return the encoder's blocks in forward order (for exporters) */
    public List<Block> encoderBlocks() {
        return List.copyOf(encoder);
    }

    /** @return the indices of the encoder blocks whose outputs are the skips at strides 2, 4, 8, 16 and the deepest (32) */
    public List<Integer> taps() {
        return taps;
    }

    /**
     * @return the five decoder blocks (each applied after a 2× nearest upsampling and, for the first
     *     four, the concatenation of the skip at that scale)
     */
    public List<Block> decoderBlocks() {
        return List.copyOf(decoder);
    }

    /** @return the 3×3 convolution to the logits */
    public Block head() {
        return head;
    }

    @Override
    public List<String> layerNames() {
        List<String> names = new ArrayList<>();
        encoderNames.forEach(n -> names.add("enc." + n));
        for (int i = 1; i <= 5; i++) {
            names.add("dec" + i);
        }
        names.add("logits");
        return names;
    }

    @Override
    public List<Parameter> backboneParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Block b : encoder) {
            b.getParameters().forEach(p -> out.add(p.getValue()));
        }
        return out;
    }

    @Override
    public List<Parameter> headParameters() {
        return List.of();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList all = run(ps, inputs.singletonOrThrow(), training, false);
        NDList out = new NDList(all.get(1), all.get(0));
        out.addAll(all.subList(2, all.size()));
        return out;
    }

    @Override
    public NDList forwardAll(ParameterStore ps, NDArray input, boolean training) {
        return run(ps, input, training, true);
    }

    /** With {@code all}: every block's output then the logits; else {@code [feature, logits, taps /4../32]}. */
    private NDList run(ParameterStore ps, NDArray input, boolean training, boolean all) {
        long h = input.getShape().get(2);
        long w = input.getShape().get(3);
        if (h % 32 != 0 || w % 32 != 0) {
            throw new IllegalArgumentException("U-Net input sides must be multiples of 32, got " + h + "x" + w);
        }
        NDList out = new NDList();
        NDArray[] skips = new NDArray[5];
        NDList x = new NDList(input);
        for (int i = 0; i < encoder.size(); i++) {
            x = encoder.get(i).forward(ps, x, training);
            if (all) {
                out.add(x.singletonOrThrow());
            }
            int t = taps.indexOf(i);
            if (t >= 0) {
                skips[t] = x.singletonOrThrow();
            }
        }
        NDArray y = skips[4];
        NDArray feature = null;
        for (int i = 0; i < 5; i++) {
            y = y.repeat(2, 2).repeat(3, 2);
            if (i < 4) {
                y = NDArrays.concat(new NDList(y, skips[3 - i]), 1);
            }
            y = decoder.get(i).forward(ps, new NDList(y), training).singletonOrThrow();
            if (i == 0) {
                feature = y;
            }
            if (all) {
                out.add(y);
            }
        }
        NDArray logits = head.forward(ps, new NDList(y), training).singletonOrThrow();
        if (all) {
            out.add(logits);
            return out;
        }
        NDList result = new NDList(feature, logits);
        for (int i = 1; i < 5; i++) {
            result.add(skips[i]);
        }
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), outputs, in.get(2), in.get(3)),
            new Shape(in.get(0), decoderChannels[0], in.get(2) / 16, in.get(3) / 16)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] s = inputShapes;
        Shape[] tapShapes = new Shape[5];
        for (int i = 0; i < encoder.size(); i++) {
            encoder.get(i).initialize(manager, dataType, s);
            s = encoder.get(i).getOutputShapes(s);
            int t = taps.indexOf(i);
            if (t >= 0) {
                tapShapes[t] = s[0];
            }
        }
        Shape y = tapShapes[4];
        for (int i = 0; i < 5; i++) {
            long c = y.get(1) + (i < 4 ? tapShapes[3 - i].get(1) : 0);
            Shape in = new Shape(y.get(0), c, y.get(2) * 2, y.get(3) * 2);
            decoder.get(i).initialize(manager, dataType, in);
            y = decoder.get(i).getOutputShapes(new Shape[] {in})[0];
        }
        head.initialize(manager, dataType, y);
    }
}
