package org.kdml.core.model;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * MobileNet v1 (Howard et al. 2017): a 3×3/2 stem, then depthwise-separable blocks
 * (3×3 depthwise conv → BN → ReLU → 1×1 pointwise conv → BN → ReLU) ending in 1024 channels.
 */
final class MobileNets {

    /** {output channels, stride} of the 13 depthwise-separable blocks of MobileNet v1. */
    private static final int[][] V1 = {
        {64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},
        {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}
    };

    private MobileNets() {
    }

    /**
     * Builds a MobileNet v1.
     *
     * @param key the architecture key
     * @param divisor channel divisor (1 for the paper's network, 4 for {@code mobilenet-tiny})
     * @param repeats how many of the five middle 512-channel blocks to keep (5 in the paper)
     * @param classes number of classes
     * @param adapterChannels channels of a 1×1 adapter after the backbone, or 0 for none
     */
    static KdNetwork build(String key, int divisor, int repeats, int classes, int adapterChannels) {
        List<Pair<String, Block>> blocks = new ArrayList<>();
        List<Integer> strideEnds = new ArrayList<>();
        int in = blocks(blocks, divisor, repeats, (index, ch) -> strideEnds.add(index));
        // The stages read by multi-layer methods: the ends of strides /4, /8, /16 and /32 (as ResNet's layer1..4).
        return new KdNetwork(key, blocks, strideEnds.subList(strideEnds.size() - 4, strideEnds.size()), in,
                adapterChannels, classes);
    }

    /** The U-Net encoder: taps after the last block at each stride /2, /4, /8, /16 and /32. */
    static UNet.Encoder encoder(int divisor, int repeats) {
        List<Pair<String, Block>> blocks = new ArrayList<>();
        List<Integer> taps = new ArrayList<>();
        List<Integer> channels = new ArrayList<>();
        blocks(blocks, divisor, repeats, (index, ch) -> {
            taps.add(index);
            channels.add(ch);
        });
        return new UNet.Encoder(blocks, taps, channels);
    }

    private static int blocks(List<Pair<String, Block>> blocks, int divisor, int repeats,
            BiConsumer<Integer, Integer> strideEnd) {
        blocks.add(new Pair<>("stem", Layers.convBnRelu(32 / divisor, 3, 2, 1, 1)));
        int in = 32 / divisor;
        int middle = 0;
        for (int i = 0; i < V1.length; i++) {
            boolean isMiddle = i >= 6 && i <= 10;
            boolean lastAtStride = i == V1.length - 1 || V1[i + 1][1] == 2;
            if (isMiddle && middle++ >= repeats) {
                if (strideEnd != null && lastAtStride) {
                    strideEnd.accept(blocks.size() - 1, in);
                }
                continue;
            }
            int out = V1[i][0] / divisor;
            int stride = V1[i][1];
            blocks.add(new Pair<>("dw" + (i + 1), new SequentialBlock()
                    .add(Layers.convBnRelu(in, 3, stride, 1, in))
                    .add(Layers.convBnRelu(out, 1, 1, 0, 1))));
            in = out;
            if (strideEnd != null && lastAtStride) {
                strideEnd.accept(blocks.size() - 1, in);
            }
        }
        return in;
    }
}
