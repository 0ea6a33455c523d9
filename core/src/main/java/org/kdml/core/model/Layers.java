package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** Building blocks shared by the architectures, written to match torchvision's layers. */
public final class Layers {

    /** Every batch norm's epsilon (PyTorch's default). */
    public static final float BN_EPSILON = 1e-5f;

    private Layers() {
    }

    /**
     * A residual block, {@code relu(main(x) + shortcut(x))}: a typed {@link ParallelBlock}, so that
     * an exporter can tell it from other parallel blocks. Serialised as a {@code ParallelBlock}.
     */
    public static final class Residual extends ParallelBlock {

        Residual(SequentialBlock main, Block shortcut) {
            super(list -> {
                NDArray sum = list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow());
                return new NDList(Activation.relu(sum));
            }, List.of(main, shortcut));
        }

        /** @return the main branch */
        public Block main() {
            return getChildren().get(0).getValue();
        }

        /** @return the shortcut branch (an identity block or a 1×1 conv + BN) */
        public Block shortcut() {
            return getChildren().get(1).getValue();
        }
    }

    /**
     * Max pooling with its geometry readable (DJL's pooling blocks hide it in a lambda); square
     * kernel, stride and padding, floor mode. Serialised as a {@code LambdaBlock}.
     */
    public static final class MaxPool extends LambdaBlock {

        private final int kernel;
        private final int stride;
        private final int padding;

        MaxPool(int kernel, int stride, int padding) {
            super(list -> new NDList(Pool.maxPool2d(list.singletonOrThrow(), new Shape(kernel, kernel),
                    new Shape(stride, stride), new Shape(padding, padding), false)), "maxPool2d");
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        /** @return the kernel's side */
        public int kernel() {
            return kernel;
        }

        /** @return the stride */
        public int stride() {
            return stride;
        }

        /** @return the padding on every side */
        public int padding() {
            return padding;
        }
    }

    /** torchvision's stem pooling: 3×3, stride 2, padding 1. */
    static Block stemPool() {
        return new MaxPool(3, 2, 1);
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
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(BN_EPSILON).build();
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
        return new Residual(main, shortcut);
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
