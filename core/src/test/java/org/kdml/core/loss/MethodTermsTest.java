package org.kdml.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kdml.core.loss.LossTests.backward;
import static org.kdml.core.loss.LossTests.gradientMass;
import static org.kdml.core.loss.LossTests.requireGradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kdml.core.tensor.Tensors;

class MethodTermsTest {

    private static final double TOL = 1e-5;

    private static NDArray a(NDManager m, Shape shape, float... v) {
        return Tensors.floats(m, v, shape);
    }

    // ---- FitNets ----

    /** Differences 0, 2, 0, −4 → squares 0, 4, 0, 16 → mean 5. */
    @Test
    void mseIsTheMeanOfSquaredDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 1, 2, 3, 4);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 1, 0, 3, 8);
            assertEquals(5.0, MethodTerms.mse(src, dst).getFloat(), TOL);
            assertEquals(0.0, MethodTerms.mse(src, src.duplicate()).getFloat(), TOL);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.mse(src, m.zeros(new Shape(1, 2, 2, 2))));
            assertEquals("feature shapes differ: source (1, 1, 2, 2) vs target (1, 2, 2, 2)", e.getMessage());
        }
    }

    @Test
    void mseSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 1, 2, 3, 4);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 1, 0, 3, 8);
            requireGradient(src, dst);
            backward(() -> MethodTerms.mse(src, dst));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- attention transfer ----

    /**
     * f (1, 2, 1, 2) with channels (1, 0) and (1, 2), p = 2: squares (1, 0) and (1, 4), channel mean
     * (1, 2), norm √5 → A = (1/√5, 2/√5) = (0.447214, 0.894427). A zero map stays zero (the ε floor
     * keeps 0/0 out).
     */
    @Test
    void attentionMapOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 1, 2), 1, 0, 1, 2);
            NDArray map = MethodTerms.attentionMap(f, 2);
            assertEquals(new Shape(1, 2), map.getShape());
            assertArrayEquals(new float[] {0.447214f, 0.894427f}, map.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {0f, 0f, 0f, 0f},
                    MethodTerms.attentionMap(m.zeros(new Shape(1, 3, 2, 2)), 2).toFloatArray(), 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.attentionMap(m.zeros(new Shape(1, 2, 2)), 2));
            assertEquals("attention map needs (N, C, H, W), got (1, 2, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> MethodTerms.attentionMap(f, 0));
            assertEquals("attention power p must be > 0, got 0.0", e.getMessage());
        }
    }

    @Test
    void attentionMapPassesGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 1, 2), 1, 0, 1, 2);
            requireGradient(f);
            backward(() -> MethodTerms.attentionMap(f, 2).get(0, 0));
            assertTrue(gradientMass(f) > 0);
        }
    }

    /**
     * Two layer pairs, p = 2.
     * Layer 1: source (1, 2, 1, 2) channels (1, 0), (1, 2) → A_s = (0.447214, 0.894427); target
     * (1, 1, 1, 2) = (3, 3) → squares (9, 9) → A_t = (0.707107, 0.707107). Differences (−0.259893,
     * 0.187320), squares (0.067544, 0.035089), mean 0.051317.
     * Layer 2: source (1, 1, 2, 4) rows (1, 3, 0, 2) twice, larger than the target (1, 1, 1, 2),
     * pooled in 2×2 blocks to (2, 1) before the power → squares (4, 1) → A_s = (4, 1)/√17 =
     * (0.970143, 0.242536); target (1, 1) → A_t = (0.707107, 0.707107). Differences (0.263036,
     * −0.464571), squares (0.069188, 0.215826), mean 0.142507.
     * Sum 0.193824. (Power before pooling would give (5, 2) and a total of 0.132172.)
     */
    @Test
    void attentionTransferOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s1 = a(m, new Shape(1, 2, 1, 2), 1, 0, 1, 2);
            NDArray t1 = a(m, new Shape(1, 1, 1, 2), 3, 3);
            NDArray s2 = a(m, new Shape(1, 1, 2, 4), 1, 3, 0, 2, 1, 3, 0, 2);
            NDArray t2 = a(m, new Shape(1, 1, 1, 2), 1, 1);
            assertEquals(0.051317, MethodTerms.attentionTransfer(List.of(s1), List.of(t1), 2).getFloat(), TOL);
            assertEquals(0.142507, MethodTerms.attentionTransfer(List.of(s2), List.of(t2), 2).getFloat(), TOL);
            assertEquals(0.193824, MethodTerms.attentionTransfer(List.of(s1, s2), List.of(t1, t2), 2).getFloat(),
                    TOL);
            // The target is the larger one: pooled the same way.
            assertEquals(0.142507, MethodTerms.attentionTransfer(List.of(t2), List.of(s2), 2).getFloat(), TOL);
        }
    }

    @Test
    void attentionTransferOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(2, 1, 2, 2), 1, 2, 3, 4, 0.5f, 0, 2, 1);
            assertEquals(0.0, MethodTerms.attentionTransfer(List.of(f), List.of(f.duplicate()), 2).getFloat(), TOL);
        }
    }

    @Test
    void attentionTransferRefusesMismatchedInputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new Shape(1, 1, 3, 2));
            NDArray t = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.attentionTransfer(List.of(s), List.of(t), 2));
            assertEquals("spatial sizes are not integer multiples: source (1, 1, 3, 2) vs target (1, 1, 2, 2)",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.attentionTransfer(List.of(t, t), List.of(t), 2));
            assertEquals("attention transfer needs as many source as target layers, got 2 vs 1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.attentionTransfer(List.of(t), List.of(m.ones(new Shape(2, 1, 2, 2))), 2));
            assertEquals("batch sizes differ: source (1, 1, 2, 2) vs target (2, 1, 2, 2)", e.getMessage());
        }
    }

    @Test
    void attentionTransferSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 4), 1, 3, 0, 2, 1, 3, 0, 2);
            NDArray dst = a(m, new Shape(1, 1, 1, 2), 1, 2);
            requireGradient(src, dst);
            backward(() -> MethodTerms.attentionTransfer(List.of(src), List.of(dst), 2));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- similarity preserving ----

    /** f = ((1, 1), (1, 0)): G = ((2, 1), (1, 1)). */
    @Test
    void gramOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {2, 1, 1, 1},
                    MethodTerms.gram(a(m, new Shape(2, 1, 1, 2), 1, 1, 1, 0)).toFloatArray(), 1e-6f);
        }
    }

    /**
     * B = 2. Source rows (1, 0), (0, 1): G_s = I, rows already unit. Target rows (1, 1), (1, 0):
     * G_t = ((2, 1), (1, 1)), rows normalised (2, 1)/√5 = (0.894427, 0.447214) and (1, 1)/√2 =
     * (0.707107, 0.707107). G_t − G_s = ((−0.105573, 0.447214), (0.707107, −0.292893)), squares
     * 0.011146 + 0.2 + 0.5 + 0.085786 = 0.796932, over B² = 4 → 0.199233.
     */
    @Test
    void similarityPreservingOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(2, 2), 1, 0, 0, 1);
            NDArray dst = a(m, new Shape(2, 2), 1, 1, 1, 0);
            assertEquals(0.199233, MethodTerms.similarityPreserving(src, dst).getFloat(), TOL);
            // Feature sizes may differ: the same Gram from (2, 1, 1, 3) features with a zero column.
            NDArray wide = a(m, new Shape(2, 1, 1, 3), 1, 1, 0, 1, 0, 0);
            assertEquals(0.199233, MethodTerms.similarityPreserving(src, wide).getFloat(), TOL);
            assertEquals(0.0, MethodTerms.similarityPreserving(dst, dst.duplicate()).getFloat(), TOL);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.similarityPreserving(src, m.ones(new Shape(3, 2))));
            assertEquals("batch sizes differ: source (2, 2) vs target (3, 2)", e.getMessage());
        }
    }

    @Test
    void similarityPreservingSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(2, 2), 1, 0, 0, 1);
            NDArray dst = a(m, new Shape(2, 2), 1, 1, 1, 0);
            requireGradient(src, dst);
            backward(() -> MethodTerms.similarityPreserving(src, dst));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- VID ----

    /**
     * C = 2, ε = 0.25, α = (0, ln(e − 1)): softplus(α) = (ln 2, 1), σ² = (0.943147, 1.25).
     * μ = (1, 3), t = (0, 1): ½(1/0.943147 + ln 0.943147) = 0.500873 and ½(4/1.25 + ln 1.25) =
     * 1.711572; mean 1.106223. With μ = t only ½·mean(log σ²) = ½(−0.058534 + 0.223144)/2 = 0.041153
     * remains.
     */
    @Test
    void vidOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mu = a(m, new Shape(1, 2, 1, 1), 1, 3);
            NDArray t = a(m, new Shape(1, 2, 1, 1), 0, 1);
            NDArray alpha = a(m, new Shape(2), 0, (float) Math.log(Math.E - 1));
            assertEquals(1.106223, MethodTerms.vid(mu, t, alpha, 0.25).getFloat(), TOL);
            assertEquals(0.041153, MethodTerms.vid(t, t.duplicate(), alpha, 0.25).getFloat(), TOL);
            // Broadcast over positions: the same pair at four positions gives the same mean.
            NDArray mu4 = a(m, new Shape(1, 2, 2, 2), 1, 1, 1, 1, 3, 3, 3, 3);
            NDArray t4 = a(m, new Shape(1, 2, 2, 2), 0, 0, 0, 0, 1, 1, 1, 1);
            assertEquals(1.106223, MethodTerms.vid(mu4, t4, alpha, 0.25).getFloat(), TOL);
        }
    }

    @Test
    void vidRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 2, 1, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.vid(x, x, m.zeros(new Shape(3)), 1e-5));
            assertEquals("vid log-scale must be (C) for the channels of (1, 2, 1, 1), got (3)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.vid(x, m.zeros(new Shape(1, 2, 2, 1)), m.zeros(new Shape(2)), 1e-5));
            assertEquals("vid mean (1, 2, 1, 1) differs from target (1, 2, 2, 1)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.vid(x, x, m.zeros(new Shape(2)), -1));
            assertEquals("vid eps must be >= 0, got -1.0", e.getMessage());
        }
    }

    /** The teacher's map gets no gradient; the regressor's mean and the log-scale do. */
    @Test
    void vidTargetGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mu = a(m, new Shape(1, 2, 1, 1), 1, 3);
            NDArray t = a(m, new Shape(1, 2, 1, 1), 0, 1);
            NDArray alpha = a(m, new Shape(2), 0, 0.5f);
            requireGradient(mu, t, alpha);
            backward(() -> MethodTerms.vid(mu, t, alpha, 1e-5));
            assertEquals(0f, gradientMass(t));
            assertTrue(gradientMass(mu) > 0);
            assertTrue(gradientMass(alpha) > 0);
        }
    }

    /**
     * v = 5, ε = 1e-5: α = ln(exp(4.99999) − 1) = 4.993229, and softplus(α) + ε gives back 5.
     * With v − ε = ln 2: α = ln(2 − 1) = 0.
     */
    @Test
    void vidInitialLogScaleStartsAtTheInitialVariance() {
        try (NDManager m = NDManager.newBaseManager()) {
            float alpha = MethodTerms.vidInitialLogScale(5.0, 1e-5);
            assertEquals(4.993229, alpha, TOL);
            NDArray back = Tensors.add(MethodTerms.softplus(a(m, new Shape(1), alpha)), 1e-5);
            assertEquals(5.0, back.getFloat(), 1e-5);
            assertEquals(0.0, MethodTerms.vidInitialLogScale(Math.log(2) + 0.25, 0.25), 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.vidInitialLogScale(1e-5, 1e-5));
            assertEquals("vid initial variance must exceed eps >= 0, got 1.0E-5 and 1.0E-5", e.getMessage());
        }
    }

    /** softplus(−40, 0, 40) = (≈4.2e−18, ln 2, 40): finite at both ends. */
    @Test
    void softplusIsStable() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] y = MethodTerms.softplus(a(m, new Shape(3), -40, 0, 40)).toFloatArray();
            assertArrayEquals(new float[] {0f, 0.693147f, 40f}, y, 1e-5f);
            assertEquals(0f, MethodTerms.softplus(a(m, new Shape(1), -200)).getFloat(), 0f);
            assertEquals(200f, MethodTerms.softplus(a(m, new Shape(1), 200)).getFloat(), 1e-4f);
        }
    }

    // ---- SRRL ----

    /**
     * Connected (1, 2) against the teacher's feature (1, 0): squares (0, 4), mean 2. Predicted
     * (0, 0) against the teacher's logits (1, −1): squares (1, 1), mean 1. Sum 3.
     */
    @Test
    void srrlOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = a(m, new Shape(1, 2), 1, 2);
            NDArray ht = a(m, new Shape(1, 2), 1, 0);
            NDArray z = a(m, new Shape(1, 2), 0, 0);
            NDArray zt = a(m, new Shape(1, 2), 1, -1);
            assertEquals(3.0, MethodTerms.srrl(h, ht, z, zt).getFloat(), TOL);
            assertEquals(0.0, MethodTerms.srrl(h, h.duplicate(), z, z.duplicate()).getFloat(), TOL);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.srrl(h, ht, z, m.zeros(new Shape(1, 3))));
            assertEquals("srrl predicted logits (1, 2) differs from teacher logits (1, 3)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.srrl(h, m.zeros(new Shape(2, 2)), z, zt));
            assertEquals("srrl connected feature (1, 2) differs from teacher feature (2, 2)", e.getMessage());
        }
    }

    @Test
    void srrlTeacherSidesGetNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = a(m, new Shape(1, 2), 1, 2);
            NDArray ht = a(m, new Shape(1, 2), 1, 0);
            NDArray z = a(m, new Shape(1, 2), 0, 0);
            NDArray zt = a(m, new Shape(1, 2), 1, -1);
            requireGradient(h, ht, z, zt);
            backward(() -> MethodTerms.srrl(h, ht, z, zt));
            assertEquals(0f, gradientMass(ht));
            assertEquals(0f, gradientMass(zt));
            assertTrue(gradientMass(h) > 0);
            assertTrue(gradientMass(z) > 0);
        }
    }

    // ---- SemCKD ----

    /**
     * B = 1, S = 2, T = 2, d = 2. q_0 = (1, 0), q_1 = (0, 1); k_0 = (1, 0), k_1 = (0, 0).
     * Energies row 0: (1, 0) → softmax (e/(e+1), 1/(e+1)) = (0.731059, 0.268941); row 1: (0, 0) →
     * (½, ½). At τ = ½ row 0 is (2, 0) → (0.880797, 0.119203). Equal queries and keys in every
     * layer give equal energies, hence uniform weights 1/T.
     */
    @Test
    void semckdAttentionOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> q = List.of(a(m, new Shape(1, 2), 1, 0), a(m, new Shape(1, 2), 0, 1));
            List<NDArray> k = List.of(a(m, new Shape(1, 2), 1, 0), a(m, new Shape(1, 2), 0, 0));
            NDArray w = MethodTerms.semckdAttention(q, k, 1);
            assertEquals(new Shape(1, 2, 2), w.getShape());
            assertArrayEquals(new float[] {0.731059f, 0.268941f, 0.5f, 0.5f}, w.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {0.880797f, 0.119203f, 0.5f, 0.5f},
                    MethodTerms.semckdAttention(q, k, 0.5).toFloatArray(), 1e-5f);
            NDArray same = a(m, new Shape(1, 2), 0.3f, 0.7f);
            assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f},
                    MethodTerms.semckdAttention(List.of(same), List.of(same, same, same), 1).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void semckdAttentionRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.ones(new Shape(1, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckdAttention(List.of(q), List.of(m.ones(new Shape(1, 3))), 1));
            assertEquals("semckd queries and keys must all be (1, 2), got (1, 3)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckdAttention(List.of(q), List.of(), 1));
            assertEquals("semckd attention needs at least one query and one key, got 1 and 0", e.getMessage());
        }
    }

    /**
     * Nothing is detached here: the keys are the output of learnt embeddings, which the reference
     * trains through this attention, so both sides get a gradient.
     */
    @Test
    void semckdAttentionPassesGradientToQueriesAndKeys() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q0 = a(m, new Shape(1, 2), 1, 0);
            NDArray k0 = a(m, new Shape(1, 2), 1, 0);
            NDArray k1 = a(m, new Shape(1, 2), 0, 1);
            requireGradient(q0, k0, k1);
            backward(() -> MethodTerms.semckdAttention(List.of(q0), List.of(k0, k1), 1).get(0, 0, 0));
            assertTrue(gradientMass(q0) > 0);
            assertTrue(gradientMass(k0) > 0);
        }
    }

    /**
     * B = 1, S = 2, T = 2, maps (1, 1, 1, 2). Teacher t_0 = (0, 0), t_1 = (1, 1). Projections:
     * p_00 = (1, 1) vs t_0 → MSE 1; p_01 = (1, 1) vs t_1 → 0; p_10 = (2, 0) vs t_0 → (4 + 0)/2 = 2;
     * p_11 = (3, 1) vs t_1 → (4 + 0)/2 = 2. Weights ((¼, ¾), (½, ½)): ¼·1 + ¾·0 + ½·2 + ½·2 = 2.25,
     * over B·S = 2 → 1.125.
     */
    @Test
    void semckdOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 1, 1, 2);
            List<NDArray> teacher = List.of(a(m, s, 0, 0), a(m, s, 1, 1));
            List<NDArray> projected = List.of(a(m, s, 1, 1), a(m, s, 1, 1), a(m, s, 2, 0), a(m, s, 3, 1));
            NDArray w = a(m, new Shape(1, 2, 2), 0.25f, 0.75f, 0.5f, 0.5f);
            assertEquals(1.125, MethodTerms.semckd(projected, teacher, w).getFloat(), TOL);
            // The same targets given per pair (S·T of them).
            List<NDArray> perPair = List.of(teacher.get(0), teacher.get(1), teacher.get(0), teacher.get(1));
            assertEquals(1.125, MethodTerms.semckd(projected, perPair, w).getFloat(), TOL);
        }
    }

    /**
     * B = 2, S = 1, T = 1, weight 1: projections equal to the teacher's maps give 0; sample 0 off by
     * (1, 1) and sample 1 exact give per-sample MSEs (1, 0), averaged over the batch → ½.
     */
    @Test
    void semckdOfIdenticalMapsIsZeroAndAveragesOverTheBatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(2, 1, 1, 2);
            NDArray t = a(m, s, 1, 2, 3, 4);
            NDArray w = m.ones(new Shape(2, 1, 1));
            assertEquals(0.0, MethodTerms.semckd(List.of(t.duplicate()), List.of(t), w).getFloat(), TOL);
            assertEquals(0.5, MethodTerms.semckd(List.of(a(m, s, 2, 3, 3, 4)), List.of(t), w).getFloat(), TOL);
        }
    }

    @Test
    void semckdRefusesMismatchedInputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.zeros(new Shape(1, 1, 1, 2));
            NDArray w = m.ones(new Shape(1, 1, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckd(List.of(t), List.of(t, t), w));
            assertEquals("semckd weights (1, 1, 2) need 2 projections, got 1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckd(List.of(t, t), List.of(t, t, t), w));
            assertEquals("semckd weights (1, 1, 2) need 2 or 2 teacher maps, got 3", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckd(List.of(t, m.zeros(new Shape(1, 2, 1, 2))), List.of(t, t), w));
            assertEquals("semckd projection 0→1 (1, 2, 1, 2) differs from teacher map (1, 1, 1, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckd(List.of(t, t), List.of(t, t), m.ones(new Shape(2, 1, 2))));
            assertEquals("semckd projection 0→0 has batch 1, the weights 2", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> MethodTerms.semckd(List.of(t), List.of(t), m.ones(new Shape(1, 1))));
            assertEquals("semckd weights must be (B, S, T), got (1, 1)", e.getMessage());
        }
    }

    /** The teacher's maps get no gradient; the projections and the attention weights do. */
    @Test
    void semckdTeacherGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 1, 1, 2);
            NDArray t0 = a(m, s, 0, 0);
            NDArray t1 = a(m, s, 1, 1);
            NDArray p0 = a(m, s, 1, 1);
            NDArray p1 = a(m, s, 3, 1);
            NDArray w = a(m, new Shape(1, 1, 2), 0.25f, 0.75f);
            requireGradient(t0, t1, p0, p1, w);
            backward(() -> MethodTerms.semckd(List.of(p0, p1), List.of(t0, t1), w));
            assertEquals(0f, gradientMass(t0));
            assertEquals(0f, gradientMass(t1));
            assertTrue(gradientMass(p0) > 0);
            assertTrue(gradientMass(p1) > 0);
            assertTrue(gradientMass(w) > 0);
        }
    }
}
