package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linear and minibatch CKA against values worked on paper, a published value, and the unbiased
 * HSIC's definition as a U-statistic computed here by brute force.
 */
class CkaTest {

    /**
     * The example worked on paper. X (4×2) has column means (1, 1); centred, it is
     * [[1,0],[0,1],[−1,0],[0,−1]], so XcᵀXc = diag(2, 2) and ‖XcᵀXc‖_F = 2√2. Y = (1,2,3,4)ᵀ
     * centred is (−1.5, −0.5, 0.5, 1.5), YcᵀYc = 5. YcᵀXc = (−1.5 − 0.5, −0.5 − 1.5) = (−2, −2),
     * ‖YcᵀXc‖² = 8. Linear CKA = 8 / (2√2 · 5) = 2√2/5 ≈ 0.5657.
     */
    private static final Npy.Matrix X = new Npy.Matrix(4, 2, new double[] {2, 1, 1, 2, 0, 1, 1, 0});
    private static final Npy.Matrix Y = new Npy.Matrix(4, 1, new double[] {1, 2, 3, 4});
    private static final double LINEAR_XY = 2 * Math.sqrt(2) / 5;

    private static Npy.Matrix random(int n, int p, long seed) {
        Random r = new Random(seed);
        double[] d = new double[n * p];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        return new Npy.Matrix(n, p, d);
    }

    /** X·M + shift for a p×q matrix M (row-major) and a shift per output column. */
    private static Npy.Matrix affine(Npy.Matrix x, double[] m, int q, double[] shift) {
        double[] out = new double[x.rows() * q];
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < q; j++) {
                double s = shift[j];
                for (int k = 0; k < x.cols(); k++) {
                    s += x.data()[i * x.cols() + k] * m[k * q + j];
                }
                out[i * q + j] = s;
            }
        }
        return new Npy.Matrix(x.rows(), q, out);
    }

    @Test
    void theExampleWorkedOnPaperInFeatureSpaceAndThroughGramMatrices() {
        assertEquals(LINEAR_XY, Cka.linear(X, Y).value(), 1e-12);
        assertEquals(LINEAR_XY, Cka.linear(Y, X).value(), 1e-12);
        // Zero columns change nothing, and with as many features as examples the Gram path is taken.
        Npy.Matrix wideY = new Npy.Matrix(4, 4, new double[] {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0});
        assertEquals(LINEAR_XY, Cka.linear(X, wideY).value(), 1e-12);
        assertEquals(1.0, Cka.linear(X, X).value(), 1e-12);
    }

    @Test
    void invariantToOrthogonalMapsIsotropicScalingAndTranslationOnTheExampleWorkedOnPaper() {
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        double[] none = {0, 0};
        assertEquals(LINEAR_XY, Cka.linear(affine(X, new double[] {c, -s, s, c}, 2, none), Y).value(), 1e-12);
        assertEquals(LINEAR_XY, Cka.linear(affine(X, new double[] {0, 1, 1, 0}, 2, none), Y).value(), 1e-12);
        assertEquals(LINEAR_XY, Cka.linear(affine(X, new double[] {3.5, 0, 0, 3.5}, 2, none), Y).value(), 1e-12);
        // CKA centres: a shift of every example changes nothing (an estimator that does not centre fails here).
        assertEquals(LINEAR_XY, Cka.linear(affine(X, new double[] {1, 0, 0, 1}, 2, new double[] {5, -3}), Y).value(),
                1e-12);
        assertEquals(LINEAR_XY, Cka.linear(X, affine(Y, new double[] {-2}, 1, new double[] {7})).value(), 1e-12);
    }

    @Test
    void notInvariantToStretchingOneFeature() {
        // X·diag(2, 1) centred: [[2,0],[0,1],[−2,0],[0,−1]], XcᵀXc = diag(8, 2), ‖·‖_F = √68 = 2√17;
        // YcᵀXc = (−3 − 1, −0.5 − 1.5) = (−4, −2), ‖·‖² = 20. CKA = 20 / (2√17 · 5) = 2/√17 ≈ 0.4851.
        Npy.Matrix stretched = affine(X, new double[] {2, 0, 0, 1}, 2, new double[] {0, 0});
        assertEquals(2 / Math.sqrt(17), Cka.linear(stretched, Y).value(), 1e-12);
    }

    @Test
    void kornblithsPublishedDemoValue() throws Exception {
        Npy.Matrix x = Npy.read(Path.of(getClass().getResource("/cka/kornblith_x.npy").toURI()));
        Npy.Matrix y = Npy.read(Path.of(getClass().getResource("/cka/kornblith_y.npy").toURI()));
        assertEquals(100, x.rows());
        assertEquals(10, x.cols());
        assertEquals(0.55761, Cka.linear(x, y).value(), 1e-4);
    }

    /**
     * The unbiased HSIC₁ of the example worked on paper (n = 4, K = XXᵀ, L = YYᵀ, diagonals zeroed).
     * K̃ off the diagonal: K₀₁=4, K₀₂=1, K₀₃=2, K₁₂=2, K₁₃=1, K₂₃=0; L̃: 2, 3, 4, 6, 8, 12.
     * tr(K̃L̃) = 2·39 = 78, 1ᵀK̃1 = 20, 1ᵀL̃1 = 70, K̃1 = (7,7,3,3), L̃1 = (9,16,21,24), 1ᵀK̃L̃1 = 310:
     * HSIC₁(K,L) = [78 + 20·70/(3·2) − (2/2)·310] / (4·1) = 1/3. Likewise HSIC₁(K,K) =
     * [52 + 400/6 − 116]/4 = 2/3 and HSIC₁(L,L) = [546 + 4900/6 − 1354]/4 = 13/6, so minibatch CKA
     * with one minibatch of 4 = (1/3)/√(2/3 · 13/6) = 1/√13 ≈ 0.2774 — not the biased 2√2/5.
     */
    @Test
    void unbiasedHsicOfTheExampleWorkedOnPaper() {
        double[] k = Cka.gram(X, 0, 4);
        double[] l = Cka.gram(Y, 0, 4);
        assertEquals(1.0 / 3, Cka.hsic1(k, l, 4), 1e-12);
        assertEquals(2.0 / 3, Cka.hsic1(k, k, 4), 1e-12);
        assertEquals(13.0 / 6, Cka.hsic1(l, l, 4), 1e-12);
        assertEquals(1 / Math.sqrt(13), Cka.minibatch(X, Y, 4).value(), 1e-12);
        // The estimator needs no centring: shifting every example of X or Y changes nothing.
        Npy.Matrix shifted = affine(X, new double[] {1, 0, 0, 1}, 2, new double[] {5, -3});
        assertEquals(1 / Math.sqrt(13), Cka.minibatch(shifted, affine(Y, new double[] {1}, 1, new double[] {-9}), 4)
                .value(), 1e-12);
    }

    /**
     * Song et al. (2012): the unbiased HSIC is the U-statistic
     * {@code (1/(n)₂)Σ k_ij l_ij + (1/(n)₄)Σ k_ij l_qr − (2/(n)₃)Σ k_ij l_iq} over distinct indices.
     */
    static double hsicByDefinition(double[] k, double[] l, int n) {
        double pairs = 0;
        double triples = 0;
        double quadruples = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                pairs += k[i * n + j] * l[i * n + j];
                for (int q = 0; q < n; q++) {
                    if (q == i || q == j) {
                        continue;
                    }
                    triples += k[i * n + j] * l[i * n + q];
                    for (int r = 0; r < n; r++) {
                        if (r != i && r != j && r != q) {
                            quadruples += k[i * n + j] * l[q * n + r];
                        }
                    }
                }
            }
        }
        double n2 = n * (n - 1.0);
        double n3 = n2 * (n - 2);
        double n4 = n3 * (n - 3);
        return pairs / n2 + quadruples / n4 - 2 * triples / n3;
    }

    @Test
    void minibatchCkaIsTheRatioOfUnbiasedHsicsSummedOverMinibatches() {
        Npy.Matrix x = random(13, 3, 1);
        Npy.Matrix y = random(13, 2, 2);
        double[] k = Cka.gram(x, 0, 7);
        double[] l = Cka.gram(y, 0, 7);
        assertEquals(hsicByDefinition(k, l, 7), Cka.hsic1(k, l, 7), 1e-12);
        assertEquals(hsicByDefinition(k, k, 7), Cka.hsic1(k, k, 7), 1e-12);
        // Minibatches of 5: rows 0–4 and 5–9; the rest of 3 is too small for the estimator and left out.
        double xy = 0;
        double xx = 0;
        double yy = 0;
        for (int start = 0; start < 10; start += 5) {
            double[] kb = Cka.gram(x, start, 5);
            double[] lb = Cka.gram(y, start, 5);
            xy += hsicByDefinition(kb, lb, 5);
            xx += hsicByDefinition(kb, kb, 5);
            yy += hsicByDefinition(lb, lb, 5);
        }
        assertEquals(xy / Math.sqrt(xx * yy), Cka.minibatch(x, y, 5).value(), 1e-12);
    }

    @Test
    void aConstantRepresentationHasNoCkaAndSaysWhy() {
        Npy.Matrix constant = new Npy.Matrix(8, 2, new double[] {0.1, -3, 0.1, -3, 0.1, -3, 0.1, -3, 0.1, -3, 0.1, -3,
            0.1, -3, 0.1, -3});
        Npy.Matrix y = random(8, 3, 3);
        CkaValue linear = Cka.linear(constant, y);
        assertFalse(linear.defined());
        assertTrue(Double.isNaN(linear.value()));
        assertNull(linear.orNull());
        assertEquals("X is constant on the sample", linear.undefinedReason());
        assertEquals("Y is constant on the sample", Cka.linear(y, constant).undefinedReason());
        assertEquals("X is constant on the sample; Y is constant on the sample",
                Cka.linear(constant, constant).undefinedReason());
        assertEquals("X is constant on the sample", Cka.minibatch(constant, y, 4).undefinedReason());
        assertEquals("undefined (X is constant on the sample)", linear.toString());

        // Constant within each minibatch of 4, different between them: every minibatch's HSIC₁(K, K) is 0.
        Npy.Matrix steps = new Npy.Matrix(8, 1, new double[] {1, 1, 1, 1, 2, 2, 2, 2});
        assertEquals("X is constant within every minibatch", Cka.minibatch(steps, y, 4).undefinedReason());
        assertTrue(Cka.linear(steps, y).defined());

        // x = (1, 1, 1, −1): K̃ off the diagonal is +1 among the first three and −1 with the last, so
        // tr(K̃K̃) = 12, 1ᵀK̃1 = 0, K̃1 = (1, 1, 1, −3), 1ᵀK̃K̃1 = 12: HSIC₁(K,K) = [12 + 0 − 12]/4 = 0.
        Npy.Matrix outlier = new Npy.Matrix(4, 1, new double[] {1, 1, 1, -1});
        assertEquals("X varies too little within its minibatches: its unbiased self-similarity (HSIC summed over"
                + " minibatches) is 0.0, not positive", Cka.minibatch(outlier, random(4, 2, 4), 4).undefinedReason());

        // Not constant, but (±5e-201)² underflows to 0: no variance that double precision can see.
        Npy.Matrix tiny = new Npy.Matrix(4, 1, new double[] {0, 1e-200, 0, 1e-200});
        assertEquals("X has no variance that double precision can measure", Cka.linear(tiny, Y).undefinedReason());

        assertEquals("no minibatch had at least 4 examples", Cka.minibatch(random(3, 2, 5), random(3, 2, 6), 4)
                .undefinedReason());
    }

    @Test
    void aCkaValueIsANumberOrAReason() {
        assertEquals("a defined CKA must be finite, got NaN (give the reason it is undefined instead)",
                assertThrows(IllegalArgumentException.class, () -> CkaValue.of(Double.NaN)).getMessage());
        assertEquals("an undefined CKA has no value, got 0.5 with reason 'X is constant on the sample'",
                assertThrows(IllegalArgumentException.class,
                        () -> new CkaValue(0.5, "X is constant on the sample")).getMessage());
        assertEquals("undefinedReason: must say why, got a blank string",
                assertThrows(IllegalArgumentException.class, () -> CkaValue.undefined(" ")).getMessage());
        assertEquals(0.25, CkaValue.of(0.25).orNull());
        assertEquals("0.250000", CkaValue.of(0.25).toString());
    }

    @Test
    void badInputGivesClearErrors(@TempDir Path dir) throws Exception {
        Npy.Matrix a = random(10, 3, 5);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> Cka.linear(a, random(9, 3, 6)));
        assertEquals("X has 10 examples and Y has 9; CKA compares the same examples", rows.getMessage());
        assertEquals("CKA needs at least 2 examples, got 1", assertThrows(IllegalArgumentException.class,
                () -> Cka.linear(random(1, 3, 7), random(1, 3, 8))).getMessage());
        assertEquals("the unbiased estimator needs minibatches of at least 4 examples, got 3",
                assertThrows(IllegalArgumentException.class, () -> Cka.minibatch(a, a, 3)).getMessage());
        assertEquals("the unbiased estimator needs n >= 4 examples, got 3", assertThrows(IllegalArgumentException.class,
                () -> Cka.hsic1(new double[9], new double[9], 3)).getMessage());

        Path good = dir.resolve("a.npy");
        Npy.write(good, 10, 3, a.data());
        assertEquals(1.0, Cka.linear(Npy.read(good), a).value(), 1e-12);
        Path notNpy = dir.resolve("b.npy");
        Files.writeString(notNpy, "hello world, not numpy");
        assertEquals(notNpy + ": not a NumPy .npy file (bad magic)",
                assertThrows(IllegalArgumentException.class, () -> Npy.read(notNpy)).getMessage());
        Path truncated = dir.resolve("c.npy");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 8));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Npy.read(truncated)).getMessage()
                .startsWith(truncated + ": truncated"));
        double[] withNan = a.data().clone();
        withNan[4] = Double.NaN;
        Path nan = dir.resolve("d.npy");
        Npy.write(nan, 10, 3, withNan);
        assertEquals(nan + ": value NaN at row 1, column 1",
                assertThrows(IllegalArgumentException.class, () -> Npy.read(nan)).getMessage());
    }
}
