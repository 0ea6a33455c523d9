package org.kdml.core.model;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * torchvision-equivalent ResNets: 7×7/2 stem and 3×3/2 max-pool, stride on the 3×3 convolution,
 * no convolution bias. (DJL's own {@code ResNetV1} is a different network.)
 */
final class ResNets {

    private ResNets() {
    }

    /**
     * Builds a ResNet.
     *
     * @param key the architecture key
     * @param layers residual blocks per stage, e.g. {@code {2,2,2,2}} for ResNet-18
     * @param bottleneck bottleneck blocks (ResNet-50) instead of basic ones
     * @param width channels of the first stage (64 in the paper; less for tiny variants)
     * @param classes number of classes
     * @param adapterChannels channels of a 1×1 adapter after the backbone, or 0 for none
     */
    static KdNetwork build(String key, int[] layers, boolean bottleneck, int width, int classes, int adapterChannels) {
        List<Pair<String, Block>> blocks = new ArrayList<>();
        blocks.add(new Pair<>("stem", new SequentialBlock()
                .add(Layers.convBnRelu(width, 7, 2, 3, 1))
                .add(Layers.stemPool())));
        List<Integer> stageEnds = new ArrayList<>();
        int in = stages(blocks, layers, bottleneck, width, (index, ch) -> stageEnds.add(index));
        return new KdNetwork(key, blocks, stageEnds, in, adapterChannels, classes);
    }

    /**
     * The U-Net encoder: the 7×7/2 stem convolution (tap at /2), max-pool, then the four stages
     * (taps at /4, /8, /16 and the deepest at /32) — torchvision's parameter order without the fc.
     */
    static UNet.Encoder encoder(int[] layers, boolean bottleneck, int width) {
        List<Pair<String, Block>> blocks = new ArrayList<>();
        List<Integer> taps = new ArrayList<>();
        List<Integer> channels = new ArrayList<>();
        blocks.add(new Pair<>("conv1", Layers.convBnRelu(width, 7, 2, 3, 1)));
        taps.add(0);
        channels.add(width);
        blocks.add(new Pair<>("pool", Layers.stemPool()));
        stages(blocks, layers, bottleneck, width, (index, ch) -> {
            taps.add(index);
            channels.add(ch);
        });
        return new UNet.Encoder(blocks, taps, channels);
    }

    /** Appends the residual stages; reports the block index and channels at the end of each stage. */
    private static int stages(List<Pair<String, Block>> blocks, int[] layers, boolean bottleneck, int width,
            BiConsumer<Integer, Integer> stageEnd) {
        int expansion = bottleneck ? 4 : 1;
        int in = width;
        for (int stage = 0; stage < layers.length; stage++) {
            int planes = width << stage;
            for (int i = 0; i < layers[stage]; i++) {
                int stride = (stage > 0 && i == 0) ? 2 : 1;
                int out = planes * expansion;
                Block block = bottleneck ? bottleneck(in, planes, out, stride) : basic(in, planes, stride);
                blocks.add(new Pair<>("layer" + (stage + 1) + "." + i, block));
                in = out;
            }
            if (stageEnd != null) {
                stageEnd.accept(blocks.size() - 1, in);
            }
        }
        return in;
    }

    private static Block basic(int in, int planes, int stride) {
        SequentialBlock main = new SequentialBlock()
                .add(Layers.convBnRelu(planes, 3, stride, 1, 1))
                .add(Layers.conv(planes, 3, 1, 1, 1))
                .add(Layers.batchNorm());
        return Layers.residual(main, Layers.shortcut(in, planes, stride));
    }

    private static Block bottleneck(int in, int planes, int out, int stride) {
        SequentialBlock main = new SequentialBlock()
                .add(Layers.convBnRelu(planes, 1, 1, 0, 1))
                .add(Layers.convBnRelu(planes, 3, stride, 1, 1))
                .add(Layers.conv(out, 1, 1, 0, 1))
                .add(Layers.batchNorm());
        return Layers.residual(main, Layers.shortcut(in, out, stride));
    }
}
