package org.kdml.core.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The trainable modules that existing distillation methods put on an edge (docs/method.md,
 * "Existing methods"): built from the shapes they join, initialised as torchvision initialises
 * its layers, trained with the learner and never deployed with it. Each is an uninitialised
 * block; {@link #initialize} gives it its input shape.
 */
public final class EdgeModules {

    private EdgeModules() {
    }

    /**
     * FitNets' regressor (RepDistiller's {@code ConvReg}): a 1×1 convolution, or 3×3 stride 2
     * when the student's map is twice the teacher's side, then batch norm and ReLU, to the
     * teacher's channels.
     *
     * @throws IllegalArgumentException naming both sides when they are neither equal nor 2:1
     */
    public static Block fitnetRegressor(int teacherChannels, long studentSide, long teacherSide) {
        if (studentSide == teacherSide) {
            return Initialization.torchvision(Layers.convBnRelu(teacherChannels, 1, 1, 0, 1));
        }
        if (studentSide == 2 * teacherSide) {
            return Initialization.torchvision(Layers.convBnRelu(teacherChannels, 3, 2, 1, 1));
        }
        throw new IllegalArgumentException("fitnet: the hint stage's sides differ (student " + studentSide
                + ", teacher " + teacherSide + "); the regressor joins equal sides or 2:1");
    }

    /**
     * VID's regressor of the mean (RepDistiller's {@code VIDLoss}): 1×1 → ReLU → 1×1 → ReLU → 1×1
     * convolutions without bias, the middle width equal to the teacher's channels.
     */
    public static Block vidRegressor(int teacherChannels) {
        return Initialization.torchvision(new SequentialBlock()
                .add(Layers.conv(teacherChannels, 1, 1, 0, 1)).add(Activation.reluBlock())
                .add(Layers.conv(teacherChannels, 1, 1, 0, 1)).add(Activation.reluBlock())
                .add(Layers.conv(teacherChannels, 1, 1, 0, 1)));
    }

    /** SRRL's connector: a 1×1 convolution, batch norm and ReLU to the teacher's channels (on pooled maps). */
    public static Block srrlConnector(int teacherChannels) {
        return Initialization.torchvision(Layers.convBnRelu(teacherChannels, 1, 1, 0, 1));
    }

    /**
     * SimKD's projector: 1×1 to {@code t/factor}, 3×3 at that width, 1×1 to {@code t}, each
     * followed by batch norm and ReLU.
     */
    public static Block simkdProjector(int teacherChannels, int factor) {
        int mid = Math.max(1, teacherChannels / factor);
        return Initialization.torchvision(new SequentialBlock()
                .add(Layers.convBnRelu(mid, 1, 1, 0, 1))
                .add(Layers.convBnRelu(mid, 3, 1, 1, 1))
                .add(Layers.convBnRelu(teacherChannels, 1, 1, 0, 1)));
    }

    /**
     * VID's learned per-channel variance: one parameter {@code a} of shape (C), initialised so that
     * {@code softplus(a) + ε} is {@code initVariance} (RepDistiller: 5, ε = 1e-5).
     */
    public static Block vidVariance(int channels, double initVariance, double eps) {
        return new Variance(channels, (float) Math.log(Math.expm1(initVariance - eps)));
    }

    /**
     * SemCKD's query or key embedding ({@code MLPEmbed}): a linear layer to {@code 2·dim}, ReLU, a
     * linear layer to {@code dim} (the caller L2-normalises the rows). Its input is a row of the
     * batch's similarity matrix, so its input width is the batch size.
     */
    public static Block semckdEmbedding(int dim) {
        return Initialization.torchvision(new SequentialBlock()
                .add(Linear.builder().setUnits(2L * dim).optBias(true).build()).add(Activation.reluBlock())
                .add(Linear.builder().setUnits(dim).optBias(true).build()));
    }

    /**
     * SemCKD's projector of one student stage onto one teacher stage ({@code AAEmbed}): 1×1 to the
     * middle width, BN, ReLU, 3×3, BN, ReLU, 1×1 to the teacher's channels.
     *
     * @param mid the middle width: the reference's {@code 2·C_T}, capped by the caller
     */
    public static Block semckdProjector(int mid, int teacherChannels) {
        return Initialization.torchvision(new SequentialBlock()
                .add(Layers.convBnRelu(mid, 1, 1, 0, 1))
                .add(Layers.convBnRelu(mid, 3, 1, 1, 1))
                .add(Layers.conv(teacherChannels, 1, 1, 0, 1)));
    }

    /**
     * SKD's discriminator of predicted maps: three 3×3 stride-2 convolutions (16, 32, 64 channels,
     * with bias) each followed by LeakyReLU(0.2), global average pooling and a linear score. (SKD's
     * own adds spectral normalisation and self-attention; see docs/method.md.)
     */
    public static Block skdDiscriminator() {
        SequentialBlock d = new SequentialBlock();
        for (int c : new int[] {16, 32, 64}) {
            d.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optStride(new Shape(2, 2))
                    .optPadding(new Shape(1, 1)).setFilters(c).optBias(true).build())
                    .add(Activation.leakyReluBlock(0.2f));
        }
        d.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(1).optBias(true).build());
        return Initialization.torchvision(d);
    }

    /** Initialises {@code module} for inputs of {@code shape}. */
    public static void initialize(Block module, NDManager manager, Shape shape) {
        module.initialize(manager, DataType.FLOAT32, shape);
    }

    /** A block that only holds a parameter of shape (C); its forward returns it. */
    static final class Variance extends AbstractBlock {

        private final Parameter logScale;
        private final int channels;

        Variance(int channels, float initial) {
            super((byte) 1);
            this.channels = channels;
            this.logScale = addParameter(Parameter.builder().setName("logScale").setType(Parameter.Type.WEIGHT)
                    .optInitializer((m, shape, type) -> m.full(shape, initial, type)).optShape(new Shape(channels))
                    .build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            return new NDList(ps.getValue(logScale, inputs.head().getDevice(), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(channels)};
        }
    }
}
