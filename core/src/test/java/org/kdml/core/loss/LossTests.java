package org.kdml.core.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.function.Supplier;

/** Gradient checks the loss tests share. */
final class LossTests {

    private LossTests() {
    }

    /** Runs backward on the loss the supplier builds inside a gradient collector. */
    static void backward(Supplier<NDArray> loss) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss.get());
        }
    }

    /** Marks {@code arrays} as leaves that collect a gradient. */
    static void requireGradient(NDArray... arrays) {
        for (NDArray x : arrays) {
            x.setRequiresGradient(true);
        }
    }

    /** @return Σ |gradient| of {@code x} */
    static float gradientMass(NDArray x) {
        return x.getGradient().abs().sum().getFloat();
    }
}
