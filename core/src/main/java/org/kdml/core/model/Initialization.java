package org.kdml.core.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.Initializer;

/**
 * torchvision's initialisation, in place of DJL's default (Xavier, Gaussian, fan-in, magnitude 2
 * for every weight). It sets each parameter's {@link Initializer}; the values are drawn when the
 * network is initialised, from libtorch's generator, so {@code Engine.setRandomSeed} makes them
 * repeat.
 *
 * <ul>
 *   <li>Convolutions (ResNet, MobileNet, the adapter, the U-Net decoder and head), as torchvision's
 *       ResNet and MobileNet do: weight ~ N(0, 2 / fan_out), Kaiming normal with {@code
 *       mode='fan_out', nonlinearity='relu'}; bias 0.
 *   <li>Batch norm: gamma 1, beta 0, running mean 0, running variance 1 (the last batch norm of a
 *       residual block too: torchvision's {@code zero_init_residual=False}).
 *   <li>Linear layers, as {@code torch.nn.Linear.reset_parameters}: weight ~ U(-b, b), Kaiming
 *       uniform with {@code a=sqrt(5)}, which is b = 1/sqrt(fan_in); bias ~ U(-b, b) with the same
 *       b.
 * </ul>
 *
 * <p>Fans are those of {@code torch.nn.init._calculate_fan_in_and_fan_out}: for a weight of shape
 * (out, in / groups, kH, kW), fan_in = (in / groups) × kH × kW and fan_out = out × kH × kW — not
 * divided by the groups, so a depthwise 3×3 convolution on C channels has fan_out = 9C and
 * fan_in = 9. A linear weight (out, in) has fan_in = in.
 *
 * <p>Only libtorch allocates the values ({@code randomNormal}, {@code randomUniform}, {@code
 * zeros}, {@code ones}); nothing is made from Java memory.
 */
public final class Initialization {

    private static final Initializer ZEROS = (m, shape, type) -> m.zeros(shape, type);
    private static final Initializer ONES = (m, shape, type) -> m.ones(shape, type);
    private static final Initializer KAIMING_NORMAL_FAN_OUT = (m, shape, type) ->
            m.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut(shape)), shape, type);

    private Initialization() {
    }

    /**
     * Sets torchvision's initialisers on every parameter of {@code block} and its descendants.
     * Call it before {@code block.initialize}; the networks of {@link Architectures} call it
     * themselves when built.
     *
     * @param block an uninitialised block
     * @param <B> the block's type
     * @return {@code block}
     * @throws IllegalArgumentException when a parameter already has values, or belongs to a layer
     *     other than a convolution, linear layer or batch norm (naming the layer and the parameter)
     */
    public static <B extends Block> B torchvision(B block) {
        apply(block, block.getClass().getSimpleName());
        return block;
    }

    private static void apply(Block block, String path) {
        for (Parameter p : block.getDirectParameters().values()) {
            if (p.isInitialized()) {
                throw new IllegalArgumentException("parameter '" + p.getName() + "' of " + path
                        + " is already initialised; set the initialisation before initialize()");
            }
            p.setInitializer(initializerFor(block, p, path));
        }
        block.getChildren().forEach(child -> apply(child.getValue(), path + "/" + child.getKey()));
    }

    private static Initializer initializerFor(Block block, Parameter p, String path) {
        Parameter.Type type = p.getType();
        if (block instanceof Convolution) {
            if (type == Parameter.Type.WEIGHT) {
                return KAIMING_NORMAL_FAN_OUT;
            }
            if (type == Parameter.Type.BIAS) {
                return ZEROS;
            }
        } else if (block instanceof Linear) {
            if (type == Parameter.Type.WEIGHT || type == Parameter.Type.BIAS) {
                Parameter weight = block.getDirectParameters().values().stream()
                        .filter(q -> q.getType() == Parameter.Type.WEIGHT).findFirst().orElseThrow();
                // The weight's shape is set in prepare(), before any parameter is initialised.
                return (m, shape, dataType) -> {
                    float bound = (float) (1 / Math.sqrt(fanIn(weight.getShape())));
                    return m.randomUniform(-bound, bound, shape, dataType);
                };
            }
        } else if (block instanceof BatchNorm) {
            switch (type) {
                case GAMMA, RUNNING_VAR -> {
                    return ONES;
                }
                case BETA, RUNNING_MEAN -> {
                    return ZEROS;
                }
                default -> {
                }
            }
        }
        throw new IllegalArgumentException("no torchvision initialisation for parameter '" + p.getName() + "' ("
                + type + ") of " + path + " (" + block.getClass().getSimpleName()
                + "); known layers: convolution, linear, batch norm");
    }

    /**
     * @param shape a weight's shape (out, in, kernel dimensions…)
     * @return {@code in × prod(kernel)}, as {@code torch.nn.init._calculate_fan_in_and_fan_out}
     */
    static long fanIn(Shape shape) {
        return checked(shape).get(1) * receptiveField(shape);
    }

    /**
     * @param shape a weight's shape (out, in, kernel dimensions…)
     * @return {@code out × prod(kernel)}, as {@code torch.nn.init._calculate_fan_in_and_fan_out}
     */
    static long fanOut(Shape shape) {
        return checked(shape).get(0) * receptiveField(shape);
    }

    private static Shape checked(Shape shape) {
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException("fan in and fan out need a weight of at least 2 dimensions, got "
                    + shape);
        }
        return shape;
    }

    private static long receptiveField(Shape shape) {
        long r = 1;
        for (int i = 2; i < shape.dimension(); i++) {
            r *= shape.get(i);
        }
        return r;
    }
}
