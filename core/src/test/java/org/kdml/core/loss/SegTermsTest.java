package org.kdml.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class SegTermsTest {

    private static NDArray px(NDManager m, float... v) {
        return m.create(v, new Shape(1, 1, 1, v.length));
    }

    @Test
    void diceOfHandMadeMasks() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray g = px(m, 1, 1, 0, 1, 1, 1, 0);
            assertEquals(0.0, SegTerms.diceFromProbabilities(g, g).getFloat(), 1e-6, "perfect mask");
            // Empty prediction, 3 truth pixels: 1 − (0 + 1) / (0 + 3 + 1) = 0.75.
            assertEquals(0.75, SegTerms.diceFromProbabilities(px(m, 0, 0, 0, 0), px(m, 1, 1, 1, 0)).getFloat(), 1e-6);
            // Both empty: 1 − 1/1 = 0 by the smoothing convention.
            assertEquals(0.0, SegTerms.diceFromProbabilities(px(m, 0, 0), px(m, 0, 0)).getFloat(), 1e-6);
            // p = (½, ½, 0, 0), g = (1, 0, 0, 0): 1 − (2·½ + 1) / (1 + 1 + 1) = ⅓.
            assertEquals(1.0 / 3, SegTerms.diceFromProbabilities(px(m, .5f, .5f, 0, 0), px(m, 1, 0, 0, 0)).getFloat(),
                    1e-6);
        }
    }

    /**
     * Logits (0, ln 3), both foreground: p = (½, ¾). γ = 0: BCE = (ln 2 + ln 4/3)/2 = 0.490415;
     * γ = 2: ((½)²·ln 2 + (¼)²·ln 4/3)/2 = 0.095634.
     */
    @Test
    void focalWithGammaZeroIsCrossEntropy() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = px(m, 0f, (float) Math.log(3));
            NDArray y = px(m, 1, 1);
            assertEquals(0.490415, SegTerms.focal(z, y, 0).getFloat(), 1e-5);
            assertEquals(0.095634, SegTerms.focal(z, y, 2).getFloat(), 1e-5);
            // Multi-class with γ = 0 is the per-pixel softmax cross-entropy: logits (0, ln 3) for class 1 → −ln ¾.
            NDArray z3 = m.create(new float[] {0f, (float) Math.log(3)}, new Shape(1, 2, 1, 1));
            assertEquals(0.2876821, SegTerms.focal(z3, m.create(new float[] {1}, new Shape(1, 1, 1, 1)), 0).getFloat(),
                    1e-6);
        }
    }

    /** Binary per-pixel KL equals the two-class example: src 2, dst 0, T = 2 → 0.443776. */
    /**
     * γ < 1 at a saturated pixel ({@code p_t = 1} in float): the derivative of {@code (1 − p_t)^γ}
     * is infinite there and, times {@code log p_t = 0}, made the gradient NaN. Pixel 2 worked by
     * hand: p_t = 1 − σ(0.5) = 0.377541, loss −0.622459^0.5 · ln 0.377541 = 0.768508; the mean over
     * both pixels is 0.384254, and its derivative in z₂ is 0.318084 (central difference in double).
     */
    @Test
    void focalWithGammaBelowOneHasFiniteGradientsAtSaturatedPixels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(new float[] {40f, 0.5f}, new Shape(1, 1, 1, 2));
            NDArray target = m.create(new float[] {1f, 0f}, new Shape(1, 1, 1, 2));
            z.setRequiresGradient(true);
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = SegTerms.focal(z, target, 0.5);
                gc.backward(loss);
            }
            float[] g = z.getGradient().toFloatArray();
            assertTrue(Float.isFinite(g[0]) && Float.isFinite(g[1]), Arrays.toString(g));
            assertEquals(0.0, g[0], 1e-6);
            assertEquals(0.318084, g[1], 1e-5);
            assertEquals(0.384254, loss.getFloat(), 1e-5);
        }
    }

    @Test
    void aNegativeFocalGammaIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.zeros(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SegTerms.focal(z, z, -1));
            assertEquals("focal gamma must be >= 0, got -1.0", e.getMessage());
        }
    }

    @Test
    void perPixelKl() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(0.4437763, SegTerms.softKl(px(m, 2, 2), px(m, 0, 0), 2.0).getFloat(), 1e-5);
            NDArray z = px(m, 1.5f, -3f, 0.2f);
            assertEquals(0.0, SegTerms.softKl(z, z.duplicate(), 2.0).getFloat(), 1e-6);
        }
    }

    @Test
    void theSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = px(m, 2f, -1f, 0.5f);
            NDArray dst = px(m, 0f, 1f, 0f);
            src.setRequiresGradient(true);
            dst.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(SegTerms.softKl(src, dst, 2.0));
            }
            assertEquals(0f, src.getGradient().abs().sum().getFloat());
            assertTrue(dst.getGradient().abs().sum().getFloat() > 0);
        }
    }
}
