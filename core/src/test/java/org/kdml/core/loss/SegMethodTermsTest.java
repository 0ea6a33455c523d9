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

class SegMethodTermsTest {

    private static final double TOL = 1e-5;

    /** 2·ln 3: divided by τ = 2 it is the logit ln 3, whose sigmoid is ¾. */
    private static final float TWO_LN3 = (float) (2 * Math.log(3));

    private static NDArray a(NDManager m, Shape shape, float... v) {
        return Tensors.floats(m, v, shape);
    }

    /**
     * A (1, 1, 4, 4) truth whose nearest-neighbour downsampling to 2×2 (rows and columns 0 and 2)
     * is ((1, 0), (0, 1)); the other phase (rows and columns 1 and 3) would give ((0, 0), (0, 1)),
     * and 2×2 averaging ((¼, 0), (0, 1)).
     */
    private static NDArray mask4(NDManager m) {
        return a(m, new Shape(1, 1, 4, 4),
                1, 0, 0, 0,
                0, 0, 0, 0,
                0, 0, 1, 1,
                0, 0, 1, 1);
    }

    // ---- CWD ----

    /**
     * N = 1, C = 2, 2×2, τ = 2. Source all 0 → p_S = ¼ at each of the four positions, per channel.
     * Target channel 0 = (0, 0, 0, 2 ln 3) → /τ = (0, 0, 0, ln 3) → p_T = (1, 1, 1, 3)/6;
     * KL = ¼(3·ln(¼·6) + ln(¼·2)) = ¼(3·0.405465 − 0.693147) = ¼·0.523248 = 0.130812. Target
     * channel 1 = (1, 1, 1, 1): the softmax over positions is uniform again → KL 0 (a softmax over
     * channels too would not give 0). Loss τ²/(N·C)·(0.130812 + 0) = 4/2·0.130812 = 0.261624.
     * Swapped (KL(p_T ‖ p_S)): 3·⅙·ln(4/6) + ½·ln 2 = 0.143841, ·2 = 0.287682.
     */
    @Test
    void cwdOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.zeros(new Shape(1, 2, 2, 2));
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 0, 0, 0, TWO_LN3, 1, 1, 1, 1);
            assertEquals(0.261624, SegMethodTerms.cwd(src, dst, 2).getFloat(), TOL);
            assertEquals(0.287682, SegMethodTerms.cwd(dst, src, 2).getFloat(), TOL);
        }
    }

    /**
     * Binary logits (1, 1, 2, 2), τ = 2: the single channel is the first channel above, KL 0.130812,
     * τ²/(N·C) = 4/1 → 0.523248. Had a background channel −z been added, its softmax of
     * (0, 0, 0, −ln 3) = (0.3, 0.3, 0.3, 0.1) would add ¼(3 ln(0.25/0.3) + ln(0.25/0.1)) = 0.092332
     * and give (0.130812 + 0.092332)·4/2 = 0.446289.
     */
    @Test
    void cwdOfBinaryLogitsUsesTheSingleChannel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.zeros(new Shape(1, 1, 2, 2));
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 0, 0, 0, TWO_LN3);
            assertEquals(0.523248, SegMethodTerms.cwd(src, dst, 2).getFloat(), TOL);
        }
    }

    @Test
    void cwdOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 1, -2, 3, 0.5f, 0, 4, -1, 2);
            assertEquals(0.0, SegMethodTerms.cwd(f, f.duplicate(), 2).getFloat(), TOL);
        }
    }

    @Test
    void cwdRefusesMismatchedShapesAndTemperature() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.zeros(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.cwd(s, m.zeros(new Shape(1, 2, 2, 2)), 1));
            assertEquals("cwd: shapes differ: source (1, 1, 2, 2) vs target (1, 2, 2, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.cwd(s, s, 0));
            assertEquals("cwd: tau must be > 0, got 0.0", e.getMessage());
        }
    }

    @Test
    void cwdSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 2), 0, 1, 0, 2, 0, 0, 1, 0);
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 0, 0, 0, TWO_LN3, 1, 2, 1, 1);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.cwd(src, dst, 2));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- IFVD ----

    /**
     * Mask (1, 1, 4, 4) → fg ((1, 0), (0, 1)): pixels 00 and 11 foreground, 01 and 10 background.
     * Source (1, 1, 2, 2) = (1, −2, 3, 4): fg centre (1 + 4)/(2 + 1e-6) ≈ 2.5, bg centre
     * (−2 + 3)/2 = 0.5; with one channel the cosine is the sign product: cos_S = (1, −1, 1, 1).
     * Target (1, 2, 2, 2), pixel vectors 00 = (1, 0), 01 = (1, 1), 10 = (1, −1), 11 = (0, 1): fg
     * centre (0.5, 0.5), bg centre (1, 0) (the 1e-6 only rescales a centre, which a cosine ignores);
     * cos 00 = 0.5/(1·0.707107) = 0.707107, 11 likewise, 01 = 1/(√2·1) = 0.707107, 10 likewise.
     * Differences (−0.292893, 1.707107, −0.292893, −0.292893), squares 3·0.085786 + 2.914214 =
     * 3.171573, mean over 4 pixels 0.792893. (The other downsampling phase, fg only at 11, gives
     * a different number.)
     */
    @Test
    void ifvdOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 1, -2, 3, 4);
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 1, 1, 1, 0, 0, 1, -1, 1);
            assertEquals(0.792893, SegMethodTerms.ifvd(src, dst, mask4(m)).getFloat(), TOL);
            // A mask already at the map's size is used as it is.
            NDArray fg = a(m, new Shape(1, 1, 2, 2), 1, 0, 0, 1);
            assertEquals(0.792893, SegMethodTerms.ifvd(src, dst, fg).getFloat(), TOL);
        }
    }

    @Test
    void ifvdOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 1, 1, 1, 0, 0, 1, -1, 1);
            assertEquals(0.0, SegMethodTerms.ifvd(f, f.duplicate(), mask4(m)).getFloat(), TOL);
        }
    }

    @Test
    void ifvdRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.ifvd(s, m.ones(new Shape(1, 2, 2, 3)), mask4(m)));
            assertEquals("ifvd: maps must be (N, C, h, w) of equal N, h, w: source (1, 1, 2, 2) vs target (1, 2, 2, 3)",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.ifvd(s, m.ones(new Shape(1, 2, 2, 2)), m.ones(new Shape(1, 1, 3, 3))));
            assertEquals("a 3x3 mask does not downsample to a 2x2 map", e.getMessage());
        }
    }

    @Test
    void ifvdSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 1, -2, 3, 4);
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 1, 1, 1, 0, 0, 1, -1, 1);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.ifvd(src, dst, mask4(m)));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- importance maps ----

    /**
     * p = 2. Source (1, 2, 2, 2) channels (1, 0, 1, 0) and (1, 2, 1, 0): squares (1, 0, 1, 0) and
     * (1, 4, 1, 0), channel mean (1, 2, 1, 0), norm √6 → at_S = (0.408248, 0.816497, 0.408248, 0).
     * Target (1, 1, 2, 2) = (1, −1, 1, 1): squares (1, 1, 1, 1), norm 2 → at_T = ½(1, 1, 1, 1).
     * Σ(at_S − at_T)² = |at_S|² + |at_T|² − 2·at_S·at_T = 2 − 2·½·4/√6 = 2 − 1.632993 = 0.367007.
     * p = 4: fourth powers (1, 0, 1, 0), (1, 16, 1, 0), mean (1, 8, 1, 0), norm √66 → 2 − 10/√66 =
     * 2 − 1.230915 = 0.769085.
     * Batch of 2 with a second image equal in source and target (channels (1, 2, 3, 4) twice vs
     * (1, 2, 3, 4)): mean over n (0.367007 + 0)/2 = 0.183503.
     */
    @Test
    void importanceMapsOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 2), 1, 0, 1, 0, 1, 2, 1, 0);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 1, -1, 1, 1);
            assertEquals(0.367007, SegMethodTerms.importanceMaps(src, dst, 2).getFloat(), TOL);
            assertEquals(0.769085, SegMethodTerms.importanceMaps(src, dst, 4).getFloat(), TOL);
            NDArray src2 = a(m, new Shape(2, 2, 2, 2), 1, 0, 1, 0, 1, 2, 1, 0, 1, 2, 3, 4, 1, 2, 3, 4);
            NDArray dst2 = a(m, new Shape(2, 1, 2, 2), 1, -1, 1, 1, 1, 2, 3, 4);
            assertEquals(0.183503, SegMethodTerms.importanceMaps(src2, dst2, 2).getFloat(), TOL);
        }
    }

    @Test
    void importanceMapsOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 1, 0, 1, 0, 1, 2, 1, 0);
            assertEquals(0.0, SegMethodTerms.importanceMaps(f, f.duplicate(), 4).getFloat(), TOL);
        }
    }

    @Test
    void importanceMapsRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.importanceMaps(s, m.ones(new Shape(2, 1, 2, 2)), 4));
            assertEquals("importanceMaps: maps must be (N, C, h, w) of equal N, h, w: source (1, 1, 2, 2)"
                    + " vs target (2, 1, 2, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.importanceMaps(s, m.ones(new Shape(1, 2, 2)), 4));
            assertEquals("importanceMaps: maps must be (N, C, h, w) of equal N, h, w: source (1, 1, 2, 2)"
                    + " vs target (1, 2, 2)", e.getMessage());
        }
    }

    @Test
    void importanceMapsSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 2), 1, 0, 1, 0, 1, 2, 1, 0);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 1, -1, 1, 1);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.importanceMaps(src, dst, 2));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- region affinity ----

    /**
     * Mask (1, 1, 4, 4) → fg ((1, 0), (0, 1)), 2 pixels each, so both prototypes are sums over 3
     * (a positive scale the cosine ignores). Source (1, 2, 2, 2) pixel vectors 00 = (1, 0),
     * 01 = (0, 1), 10 = (0, 1), 11 = (1, 1): Σ_fg = (2, 1), Σ_bg = (0, 2) → cos_S = 2/(√5·2) =
     * 0.447214. Target (1, 2, 2, 2) pixel vectors 00 = (1, 1), 01 = (2, 0), 10 = (0, −1),
     * 11 = (1, 0): Σ_fg = (2, 1), Σ_bg = (2, −1) → cos_T = 3/5 = 0.6. Loss (0.6 − 0.447214)² =
     * 0.152786² = 0.023344.
     * Target of one channel (1, −3, 1, 2): Σ_fg = 3, Σ_bg = −2 → cos_T = −1 → (−1.447214)² =
     * 2.094427.
     * No foreground at all: r_fg = 0/(0 + 1) = 0 and both cosines are 0 (the smoothing keeps 0/0
     * out) → 0; no background likewise.
     */
    @Test
    void regionAffinityOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 2), 1, 0, 0, 1, 0, 1, 1, 1);
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 1, 2, 0, 1, 1, 0, -1, 0);
            assertEquals(0.023344, SegMethodTerms.regionAffinity(src, dst, mask4(m)).getFloat(), TOL);
            NDArray dst1 = a(m, new Shape(1, 1, 2, 2), 1, -3, 1, 2);
            assertEquals(2.094427, SegMethodTerms.regionAffinity(src, dst1, mask4(m)).getFloat(), TOL);
            assertEquals(0.0, SegMethodTerms.regionAffinity(src, dst, m.zeros(new Shape(1, 1, 4, 4))).getFloat(),
                    0.0);
            // No background: EMKD's bare Σ m_bg gives 0/0 = NaN; r_bg = 0/(0 + 1) = 0 → both cosines 0.
            assertEquals(0.0, SegMethodTerms.regionAffinity(src, dst, m.ones(new Shape(1, 1, 4, 4))).getFloat(),
                    0.0);
        }
    }

    @Test
    void regionAffinityOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 1, 2, 0, 1, 1, 0, -1, 0);
            assertEquals(0.0, SegMethodTerms.regionAffinity(f, f.duplicate(), mask4(m)).getFloat(), TOL);
        }
    }

    @Test
    void regionAffinityRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new Shape(1, 2, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.regionAffinity(s, m.ones(new Shape(1, 2, 4, 4)), mask4(m)));
            assertEquals("regionAffinity: maps must be (N, C, h, w) of equal N, h, w: source (1, 2, 2, 2)"
                    + " vs target (1, 2, 4, 4)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.regionAffinity(s, s, m.ones(new Shape(1, 1, 4, 3))));
            assertEquals("a 4x3 mask does not downsample to a 2x2 map", e.getMessage());
        }
    }

    @Test
    void regionAffinitySourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 2), 1, 0, 0, 1, 0, 1, 1, 1);
            NDArray dst = a(m, new Shape(1, 2, 2, 2), 1, 2, 0, 1, 1, 0, -1, 0);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.regionAffinity(src, dst, mask4(m)));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- pixel-wise KD ----

    /**
     * τ = 2. Binary (1, 1, 2, 2): source logits 0 → (bg, fg) = (½, ½) everywhere. Target
     * (0, 0, 2 ln 3, −2 ln 3) → /τ = (0, 0, ln 3, −ln 3): pixels 0 and 1 give KL 0, pixel 2 has
     * p_T = (¼, ¾): KL = ½ ln(½/¼) + ½ ln(½/¾) = ½ ln(4/3) = 0.143841, pixel 3 (¾, ¼) the same.
     * Mean over 4 pixels 0.071921, ·τ² = 4 → ln(4/3) = 0.287682. Swapped (KL(p_T ‖ p_S)):
     * 2·(¼ ln ½ + ¾ ln(3/2))/4·4 = 2·0.130812 = 0.261624.
     * Two classes (1, 2, 2, 2): channel 0 = 0, channel 1 = the binary target above → the same
     * softmax probabilities, the same 0.287682.
     */
    @Test
    void pixelKlOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.zeros(new Shape(1, 1, 2, 2));
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 0, 0, TWO_LN3, -TWO_LN3);
            assertEquals(0.287682, SegMethodTerms.pixelKl(src, dst, 2).getFloat(), TOL);
            assertEquals(0.261624, SegMethodTerms.pixelKl(dst, src, 2).getFloat(), TOL);
            NDArray src2 = m.zeros(new Shape(1, 2, 2, 2));
            NDArray dst2 = a(m, new Shape(1, 2, 2, 2), 0, 0, 0, 0, 0, 0, TWO_LN3, -TWO_LN3);
            assertEquals(0.287682, SegMethodTerms.pixelKl(src2, dst2, 2).getFloat(), TOL);
        }
    }

    @Test
    void pixelKlOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 1, -2, 3, 0.5f, 0, 4, -1, 2);
            assertEquals(0.0, SegMethodTerms.pixelKl(f, f.duplicate(), 2).getFloat(), TOL);
        }
    }

    /** pixelKl checks the shapes itself (SegTerms.softKl does not), then the temperature. */
    @Test
    void pixelKlRefusesMismatchedShapesAndABadTemperature() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.zeros(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.pixelKl(s, m.zeros(new Shape(1, 2, 2, 2)), 2));
            assertEquals("pixelKl: shapes differ: source (1, 1, 2, 2) vs target (1, 2, 2, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.pixelKl(s, s, 0));
            assertEquals("temperature must be > 0, got 0.0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.pixelKl(s, s, -1));
            assertEquals("temperature must be > 0, got -1.0", e.getMessage());
        }
    }

    @Test
    void pixelKlSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 0, 1, -1, 0.5f);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 0, 0, TWO_LN3, -TWO_LN3);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.pixelKl(src, dst, 2));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- pair-wise (SKD) ----

    /**
     * pool = 1 on (1, 1, 2, 2), M = 4 nodes: source (1, 2, 3, 4) → units all +1 → A_S all 1 (4×4);
     * target (1, −1, 1, 1) → A_T = s_i·s_j, −1 in the 6 entries pairing node 1 with another.
     * Squares 6·4 = 24, / M² = 16 / N = 1 → 1.5.
     * pool = 1 on (1, 2, 1, 2), M = 2: source nodes (1, 0), (0, 2), unit (1, 0), (0, 1) → A_S = I
     * (unnormalised it would be diag(1, 4)); target nodes (1, 1), (1, 0), unit (0.707107, 0.707107),
     * (1, 0) → A_T = ((1, 0.707107), (0.707107, 1)). Σ(A_S − A_T)² = 2·0.5 = 1, / 4 / 1 = 0.25.
     */
    @Test
    void pairwiseOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 1, 2, 2), 1, 2, 3, 4);
            NDArray dst = a(m, new Shape(1, 1, 2, 2), 1, -1, 1, 1);
            assertEquals(1.5, SegMethodTerms.pairwise(src, dst, 1).getFloat(), TOL);
            NDArray src2 = a(m, new Shape(1, 2, 1, 2), 1, 0, 0, 2);
            NDArray dst2 = a(m, new Shape(1, 2, 1, 2), 1, 1, 1, 0);
            assertEquals(0.25, SegMethodTerms.pairwise(src2, dst2, 1).getFloat(), TOL);
        }
    }

    /**
     * pool = 2 on (1, 2, 2, 4) maps: M = 2 nodes (left and right 2×2 blocks). Source channel 0
     * blocks all 1 and all 0, channel 1 all 0 and all 2 → nodes (1, 0), (0, 2) (by maximum or mean),
     * A_S = I. Target channel 0 rows (0, 2, 3, −1), (1, 1, 0, 2) → block maxima 2 and 3; channel 1
     * rows (0, 0, 0, 0), (0, 4, 0, 0) → 4 and 0. Nodes (2, 4), (3, 0), unit (1, 2)/√5 and (1, 0) →
     * A_T off-diagonal 1/√5: Σ(A_S − A_T)² = 2·⅕ = 0.4, / M² = 4 / N = 1 → 0.1. (Block means (1, 1),
     * (1, 0) would give 2·½/4 = 0.25.) Identical maps give 0; the source gets no gradient.
     */
    @Test
    void pairwisePoolsByMaximumBeforeTheAffinity() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 2, 4), 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 2);
            NDArray dst = a(m, new Shape(1, 2, 2, 4), 0, 2, 3, -1, 1, 1, 0, 2, 0, 0, 0, 0, 0, 4, 0, 0);
            assertEquals(0.1, SegMethodTerms.pairwise(src, dst, 2).getFloat(), TOL);
            assertEquals(0.0, SegMethodTerms.pairwise(dst, dst.duplicate(), 2).getFloat(), TOL);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.pairwise(src, dst, 2));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    /**
     * Ceil mode: pool = 2 on (1, 1, 3, 3) gives 2×2 nodes, the windows rows/columns {0, 1} and {2}.
     * Source all 1 → units +1, A_S all 1. Target rows (1, −1, 5), (−2, −3, 5), (−1, −1, −4): window
     * maxima 1, 5, −1, −4 → signs (+, +, −, −) → A_T = s_i·s_j is −1 in the 8 entries pairing a + with
     * a −: 8·(1 − (−1))² = 32, / M² = 16 → 2. (Means −1.25, 5, −1, −4 would give 6·4/16 = 1.5; floor
     * mode one node and 0.)
     */
    @Test
    void pairwiseKeepsPartialWindowsAsNodes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.ones(new Shape(1, 1, 3, 3));
            NDArray dst = a(m, new Shape(1, 1, 3, 3), 1, -1, 5, -2, -3, 5, -1, -1, -4);
            assertEquals(2.0, SegMethodTerms.pairwise(src, dst, 2).getFloat(), TOL);
        }
    }

    @Test
    void pairwiseOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = a(m, new Shape(1, 2, 2, 2), 0, 2, 3, -1, 1, 1, 0, 2);
            assertEquals(0.0, SegMethodTerms.pairwise(f, f.duplicate(), 1).getFloat(), TOL);
        }
    }

    @Test
    void pairwiseRefusesMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.pairwise(s, s, 3));
            assertEquals("pairwise: a 2x2 map does not pool by 3", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.pairwise(s, s, 0));
            assertEquals("pairwise: a 2x2 map does not pool by 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.pairwise(s, m.ones(new Shape(1, 1, 2, 4)), 2));
            assertEquals("pairwise: maps must be (N, C, h, w) of equal N, h, w: source (1, 1, 2, 2)"
                    + " vs target (1, 1, 2, 4)", e.getMessage());
        }
    }

    @Test
    void pairwiseSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = a(m, new Shape(1, 2, 1, 2), 1, 0, 0, 2);
            NDArray dst = a(m, new Shape(1, 2, 1, 2), 1, 1, 1, 0);
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.pairwise(src, dst, 1));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }

    // ---- hinge (SKD's holistic term) ----

    /**
     * Scores (1, −2, 3, 0.5): mean 2.5/4 = 0.625 → −0.625. Scores (1, −1) average to 0 → 0. The
     * gradient of −mean is −1/4 at each of the four scores.
     */
    @Test
    void hingeGeneratorIsMinusTheMeanScore() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray fake = a(m, new Shape(1, 1, 2, 2), 1, -2, 3, 0.5f);
            assertEquals(-0.625, SegMethodTerms.hingeGenerator(fake).getFloat(), TOL);
            assertEquals(0.0, SegMethodTerms.hingeGenerator(a(m, new Shape(2, 1), 1, -1)).getFloat(), TOL);
            requireGradient(fake);
            backward(() -> SegMethodTerms.hingeGenerator(fake));
            assertArrayEquals(new float[] {-0.25f, -0.25f, -0.25f, -0.25f}, fake.getGradient().toFloatArray(), 1e-6f);
        }
    }

    /**
     * Real (2, 0.5, −1, 1.5): 1 − x = (−1, 0.5, 2, −0.5), relu (0, 0.5, 2, 0), mean 0.625. Fake
     * (−2, 0, 0.5, −0.5): 1 + x = (−1, 1, 1.5, 0.5), relu (0, 1, 1.5, 0.5), mean 0.75. Sum 1.375.
     * A discriminator past both margins (real ≥ 1, fake ≤ −1) scores 0.
     */
    @Test
    void hingeDiscriminatorOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray real = a(m, new Shape(1, 1, 2, 2), 2, 0.5f, -1, 1.5f);
            NDArray fake = a(m, new Shape(1, 1, 2, 2), -2, 0, 0.5f, -0.5f);
            assertEquals(1.375, SegMethodTerms.hingeDiscriminator(real, fake).getFloat(), TOL);
            NDArray sure = a(m, new Shape(1, 1, 2, 2), 1, 2, 3, 1.5f);
            assertEquals(0.0, SegMethodTerms.hingeDiscriminator(sure, sure.neg()).getFloat(), TOL);
        }
    }

    /** As CIRKD asserts, real and fake scores are of one shape; no scores at all are refused. */
    @Test
    void hingeTermsRefuseMismatchedOrEmptyScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray real = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.hingeDiscriminator(real, m.ones(new Shape(4, 1))));
            assertEquals("hingeDiscriminator: real (1, 1, 2, 2) and fake (4, 1) scores must be of one non-empty"
                    + " shape", e.getMessage());
            NDArray none = m.zeros(new Shape(0, 1));
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.hingeDiscriminator(none, none));
            assertEquals("hingeDiscriminator: real (0, 1) and fake (0, 1) scores must be of one non-empty shape",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.hingeGenerator(none));
            assertEquals("hingeGenerator: no scores, shape (0, 1)", e.getMessage());
        }
    }

    /**
     * d/dx mean(relu(1 − x)) = −¼ where 1 − x > 0: real (2, 0.5, −1, 1.5) → (0, −¼, −¼, 0);
     * d/dx mean(relu(1 + x)) = ¼ where 1 + x > 0: fake (−2, 0, 0.5, −0.5) → (0, ¼, ¼, ¼).
     */
    @Test
    void hingeDiscriminatorPassesGradientToBothScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray real = a(m, new Shape(1, 1, 2, 2), 2, 0.5f, -1, 1.5f);
            NDArray fake = a(m, new Shape(1, 1, 2, 2), -2, 0, 0.5f, -0.5f);
            requireGradient(real, fake);
            backward(() -> SegMethodTerms.hingeDiscriminator(real, fake));
            assertArrayEquals(new float[] {0, -0.25f, -0.25f, 0}, real.getGradient().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0, 0.25f, 0.25f, 0.25f}, fake.getGradient().toFloatArray(), 1e-6f);
        }
    }

    // ---- DSD: residual attention ----

    /**
     * p = 2, two levels of 1 channel, 2×2. Source: level 0 (1, 0, 0, 0) → A = (1, 0, 0, 0); level 1
     * (0, 1, 0, 0) → A = (0, 1, 0, 0); R = (A_1 − A_0)/‖·‖ = (−1, 1, 0, 0)/√2. Target: level 0
     * (1, 0, 0, 0) → (1, 0, 0, 0); level 1 (1, 1, 1, 1) → A = ½(1, 1, 1, 1); A_1 − A_0 =
     * ½(−1, 1, 1, 1), norm 1. Σ(R_T − R_S)² = 1 + 1 − 2·(½/√2 + ½/√2) = 2 − √2 = 0.585786; mean over
     * the 4 positions 0.146447; one pair, K = 1.
     */
    @Test
    void residualAttentionOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 1, 2, 2);
            List<NDArray> src = List.of(a(m, s, 1, 0, 0, 0), a(m, s, 0, 1, 0, 0));
            List<NDArray> dst = List.of(a(m, s, 1, 0, 0, 0), a(m, s, 1, 1, 1, 1));
            assertEquals(0.146447, SegMethodTerms.residualAttention(src, dst, 2).getFloat(), TOL);
        }
    }

    /**
     * The larger level is brought to the smaller one's sides by averaging its attention map, after
     * the power: the target's level 1 as a 4×4 map whose 2×2 blocks are (1, −1, −1, 1) has squares 1
     * everywhere, so its pooled map is (1, 1, 1, 1) and the loss is the worked example's 0.146447
     * (averaging the values first would give 0). Three levels make three pairs, averaged.
     */
    @Test
    void residualAttentionAveragesLargerLevelsAfterThePower() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 1, 2, 2);
            NDArray checker = a(m, new Shape(1, 1, 4, 4),
                    1, -1, 1, -1,
                    -1, 1, -1, 1,
                    1, -1, 1, -1,
                    -1, 1, -1, 1);
            NDArray zero = m.zeros(new Shape(1, 1, 4, 4));
            List<NDArray> src = List.of(a(m, s, 1, 0, 0, 0), a(m, new Shape(1, 1, 4, 4),
                    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            List<NDArray> dst = List.of(a(m, s, 1, 0, 0, 0), checker);
            // The source's 4×4 level pools to (0, ¼, 0, 0), normalised (0, 1, 0, 0): the worked example.
            assertEquals(0.146447, SegMethodTerms.residualAttention(src, dst, 2).getFloat(), TOL);
            List<NDArray> three = List.of(src.get(0), src.get(1), src.get(1));
            List<NDArray> threeT = List.of(dst.get(0), dst.get(1), dst.get(1));
            // Pairs (0,1), (0,2): 0.146447 each; pair (1,2): A_2 − A_1 = 0 in both → R = 0 → 0.
            assertEquals(2 * 0.146447 / 3, SegMethodTerms.residualAttention(three, threeT, 2).getFloat(), TOL);
            assertEquals(0.0, SegMethodTerms.residualAttention(List.of(zero, checker), List.of(zero.duplicate(),
                    checker.duplicate()), 2).getFloat(), TOL);
        }
    }

    @Test
    void residualAttentionRefusesTooFewOrMismatchedLevels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(1, 1, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.residualAttention(List.of(x), List.of(x), 2));
            assertEquals("residualAttention: needs two or more levels, as many in source and target, got 1 and 1",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.residualAttention(
                    List.of(x, x), List.of(x, m.ones(new Shape(1, 1, 4, 4))), 2));
            assertEquals("residualAttention level 1: maps must be (N, C, h, w) of equal N, h, w: source"
                    + " (1, 1, 2, 2) vs target (1, 1, 4, 4)", e.getMessage());
            NDArray odd = m.ones(new Shape(1, 1, 3, 3));
            e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.residualAttention(List.of(x, odd), List.of(x, odd), 2));
            assertEquals("residualAttention: a 3x3 level does not average down to 2x2", e.getMessage());
        }
    }

    @Test
    void residualAttentionSourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 2, 2, 2);
            NDArray s0 = a(m, s, 1, 0, 2, 0, 1, 1, 0, 3);
            NDArray s1 = a(m, new Shape(1, 1, 4, 4), 0, 1, 2, 3, 1, 0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 0);
            NDArray t0 = a(m, s, 0, 1, 1, 2, 3, 0, 1, 1);
            NDArray t1 = a(m, new Shape(1, 1, 4, 4), 1, 1, 0, 2, 0, 1, 3, 1, 1, 2, 0, 0, 1, 0, 2, 1);
            requireGradient(s0, s1, t0, t1);
            backward(() -> SegMethodTerms.residualAttention(List.of(s0, s1), List.of(t0, t1), 2));
            assertEquals(0f, gradientMass(s0) + gradientMass(s1));
            assertTrue(gradientMass(t0) > 0);
            assertTrue(gradientMass(t1) > 0);
        }
    }

    // ---- DSD: class similarity ----

    /** (1, C, 4, 4) logits constant on each 2×2 block, so that the 2×2 average pool gives {@code blocks}. */
    private static NDArray blocks(NDManager m, float[]... channels) {
        float[] v = new float[channels.length * 16];
        for (int c = 0; c < channels.length; c++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    v[c * 16 + i * 4 + j] = channels[c][(i / 2) * 2 + j / 2];
                }
            }
        }
        return a(m, new Shape(1, channels.length, 4, 4), v);
    }

    /**
     * C = 2, τ = 2. Source pooled channel 0 all 0 → P_0 = ¼(1, 1, 1, 1); channel 1 (0, 0, 0, 2 ln 3)
     * → /τ (0, 0, 0, ln 3) → P_1 = (1, 1, 1, 3)/6. P·Pᵀ = ((¼, ¼), (¼, 12/36)). Target all 0 → every
     * entry ¼. Mean of squared differences over the 4 entries: (1/3 − 1/4)²/4 = (1/12)²/4 = 1/576 =
     * 0.00173611.
     */
    @Test
    void classSimilarityOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = blocks(m, new float[] {0, 0, 0, 0}, new float[] {0, 0, 0, TWO_LN3});
            NDArray dst = m.zeros(new Shape(1, 2, 4, 4));
            assertEquals(1.0 / 576, SegMethodTerms.classSimilarity(src, dst, 2).getFloat(), 1e-7);
        }
    }

    /**
     * One channel z becomes (−z/2, z/2). τ = 1, pooled z = (0, 0, 0, 2 ln 3): foreground z/2 →
     * P_fg = (1, 1, 1, 3)/6; background −z/2 → exp (1, 1, 1, ⅓), sum 10/3 → P_bg = (0.3, 0.3, 0.3,
     * 0.1). Entries: bg·bg = 3·0.09 + 0.01 = 0.28, fg·fg = 12/36 = ⅓, bg·fg = 3·0.3/6 + 0.1·3/6 = 0.2.
     * Target z = 0: every entry ¼. Squared differences 0.03², 2·0.05², (1/12)²: (0.0009 + 0.005 +
     * 0.00694444)/4 = 0.00321111. On the bare single channel the 1×1 matrix would give
     * (⅓ − ¼)² = 0.00694444.
     */
    @Test
    void classSimilarityOfBinaryLogitsUsesTheTwoClassForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = blocks(m, new float[] {0, 0, 0, TWO_LN3});
            NDArray dst = m.zeros(new Shape(1, 1, 4, 4));
            assertEquals(0.00321111, SegMethodTerms.classSimilarity(src, dst, 1).getFloat(), 1e-7);
        }
    }

    @Test
    void classSimilarityOfIdenticalMapsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = blocks(m, new float[] {1, -2, 0, 3});
            assertEquals(0.0, SegMethodTerms.classSimilarity(z, z.duplicate(), 4).getFloat(), 1e-9);
        }
    }

    @Test
    void classSimilarityRefusesMismatchedShapesAndTemperature() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.zeros(new Shape(1, 1, 4, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegMethodTerms.classSimilarity(z, m.zeros(new Shape(1, 2, 4, 4)), 4));
            assertEquals("classSimilarity: shapes differ: source (1, 1, 4, 4) vs target (1, 2, 4, 4)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SegMethodTerms.classSimilarity(z, z, 0));
            assertEquals("classSimilarity: tau must be > 0, got 0.0", e.getMessage());
        }
    }

    @Test
    void classSimilaritySourceGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = blocks(m, new float[] {0, 1, 0, TWO_LN3});
            NDArray dst = blocks(m, new float[] {2, 0, -1, 0});
            requireGradient(src, dst);
            backward(() -> SegMethodTerms.classSimilarity(src, dst, 1));
            assertEquals(0f, gradientMass(src));
            assertTrue(gradientMass(dst) > 0);
        }
    }
}
