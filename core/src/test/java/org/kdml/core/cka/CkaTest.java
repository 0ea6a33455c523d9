package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CkaTest {

    private static Npy.Matrix random(int n, int p, long seed) {
        Random r = new Random(seed);
        double[] d = new double[n * p];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        return new Npy.Matrix(n, p, d);
    }

    /** X·M for a p×q matrix M (row-major). */
    private static Npy.Matrix times(Npy.Matrix x, double[] m, int q) {
        double[] out = new double[x.rows() * q];
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < q; j++) {
                double s = 0;
                for (int k = 0; k < x.cols(); k++) {
                    s += x.data()[i * x.cols() + k] * m[k * q + j];
                }
                out[i * q + j] = s;
            }
        }
        return new Npy.Matrix(x.rows(), q, out);
    }

    @Test
    void kornblithsPublishedDemoValue() throws Exception {
        Npy.Matrix x = Npy.read(Path.of(getClass().getResource("/cka/kornblith_x.npy").toURI()));
        Npy.Matrix y = Npy.read(Path.of(getClass().getResource("/cka/kornblith_y.npy").toURI()));
        assertEquals(100, x.rows());
        assertEquals(10, x.cols());
        assertEquals(0.55761, Cka.linear(x, y), 1e-4);
        assertEquals(Cka.linear(x, y), Cka.linearInFeatureSpace(x, y), 1e-12);
    }

    @Test
    void selfSimilaritySymmetryAndInvariances() {
        Npy.Matrix x = random(60, 8, 1);
        Npy.Matrix y = random(60, 5, 2);
        assertEquals(1.0, Cka.linear(x, x), 1e-12);
        assertEquals(Cka.linear(x, y), Cka.linear(y, x), 1e-12);
        // Orthogonal transform: a rotation in the plane of features 0 and 1.
        double[] q = new double[64];
        for (int i = 0; i < 8; i++) {
            q[i * 8 + i] = 1;
        }
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        q[0] = c;
        q[1] = -s;
        q[8] = s;
        q[9] = c;
        assertEquals(Cka.linear(x, y), Cka.linear(times(x, q, 8), y), 1e-10);
        // Isotropic scaling.
        double[] scale = new double[64];
        for (int i = 0; i < 8; i++) {
            scale[i * 8 + i] = 3.5;
        }
        assertEquals(Cka.linear(x, y), Cka.linear(times(x, scale, 8), y), 1e-10);
        // Not invariant to an arbitrary invertible map: stretch one feature.
        double[] stretch = scale.clone();
        stretch[0] = 40;
        assertTrue(Math.abs(Cka.linear(x, y) - Cka.linear(times(x, stretch, 8), y)) > 1e-3);
    }

    @Test
    void minibatchCkaMatchesTheFullEstimateWithOneBatchAndApproachesLinearCka() {
        Npy.Matrix x = random(400, 6, 3);
        double[] mix = new double[36];
        Random r = new Random(4);
        for (int i = 0; i < mix.length; i++) {
            mix[i] = r.nextGaussian();
        }
        Npy.Matrix y = times(x, mix, 6);
        double[] noisy = y.data().clone();
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] += 2 * r.nextGaussian();
        }
        Npy.Matrix yn = new Npy.Matrix(400, 6, noisy);
        Cka.Accumulator one = new Cka.Accumulator();
        one.add(Cka.gram(x, 0, 400), Cka.gram(yn, 0, 400), 400);
        assertEquals(one.value(), Cka.minibatch(x, yn, 400), 1e-12);
        assertEquals(Cka.linear(x, yn), Cka.minibatch(x, yn, 100), 0.05);
    }

    @Test
    void badInputGivesClearErrors(@TempDir Path dir) throws Exception {
        Npy.Matrix a = random(10, 3, 5);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> Cka.linear(a, random(9, 3, 6)));
        assertEquals("X has 10 examples and Y has 9; CKA compares the same examples", rows.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> Cka.minibatch(a, a, 3));
        assertTrue(small.getMessage().contains("at least 4 examples"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cka.hsic1(new double[9], new double[9], 3));

        Path good = dir.resolve("a.npy");
        Npy.write(good, 10, 3, a.data());
        assertEquals(1.0, Cka.linear(Npy.read(good), a), 1e-12);
        Path notNpy = dir.resolve("b.npy");
        Files.writeString(notNpy, "hello world, not numpy");
        assertEquals(notNpy + ": not a NumPy .npy file (bad magic)",
                assertThrows(IllegalArgumentException.class, () -> Npy.read(notNpy)).getMessage());
        Path truncated = dir.resolve("c.npy");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 8));
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
