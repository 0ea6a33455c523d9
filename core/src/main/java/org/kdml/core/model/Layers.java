package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** Building blocks shared by the architectures, written to match torchvision's layers. */
final class Layers {

    private Layers() {
    }

    /** A bias-free convolution (torchvision convention before batch norm). */
    static Block conv(int filters, int kernel, int stride, int padding, int groups) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optGroups(groups)
                .setFilters(filters)
                .optBias(false)
                .build();
    }

    /** Batch norm with PyTorch's defaults (DJL momentum 0.9 = PyTorch momentum 0.1, eps 1e-5). */
    static Block batchNorm() {
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build();
    }

    /** conv → BN → ReLU. */
    static SequentialBlock convBnRelu(int filters, int kernel, int stride, int padding, int groups) {
        return new SequentialBlock()
                .add(conv(filters, kernel, stride, padding, groups))
                .add(batchNorm())
                .add(Activation.reluBlock());
    }

    /** A residual block: {@code relu(main(x) + shortcut(x))}. */
    static Block residual(SequentialBlock main, Block shortcut) {
        return new ParallelBlock(
                list -> {
                    NDArray sum = list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow());
                    return new NDList(Activation.relu(sum));
                },
                List.of(main, shortcut));
    }

    /** 1×1 strided conv + BN projection, or identity when shapes already agree. */
    static Block shortcut(int inChannels, int outChannels, int stride) {
        if (inChannels == outChannels && stride == 1) {
            return Blocks.identityBlock();
        }
        return new SequentialBlock().add(conv(outChannels, 1, stride, 0, 1)).add(batchNorm());
    }

    /** Global average pooling then a linear classifier with bias. */
    static Block classifierHead(int classes) {
        return new SequentialBlock()
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(classes).optBias(true).build());
    }
}
