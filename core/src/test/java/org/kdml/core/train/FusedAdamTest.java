package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.TeacherTraining;

class FusedAdamTest {

    private static final SharingGraph ALONE = new SharingGraph(1, TeacherTraining.NONE, List.of());

    /** Gives {@code w} the gradient {@code c} (of the loss Σ w·c). */
    private static void gradient(NDArray w, float[] c) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                NDManager tmp = w.getManager().newSubManager()) {
            NDArray coefficients = tmp.create(c, w.getShape());
            NDArray loss = w.mul(coefficients).sum();
            loss.attach(tmp);
            gc.backward(loss);
        }
    }

    private static NDArray weight(NDManager m, float... values) {
        NDArray w = m.create(values);
        w.setRequiresGradient(true);
        return w;
    }

    @Test
    void firstStepMovesEachWeightByTheLearningRateAgainstItsGradientSign() {
        // t = 1: m = 0.1·g, v = 0.001·g², so m/(1−0.9) = g and √(v/(1−0.999)) = |g|: w ← w − lr·g/(|g| + ε).
        try (NDManager m = NDManager.newBaseManager(); FusedAdam adam = new FusedAdam(m, 0.1, 2, true)) {
            NDArray w = weight(m, 1f, -2f, 0.5f);
            gradient(w, new float[] {0.5f, -0.1f, 0f});
            adam.update(Map.of("w", w));
            assertArrayEquals(new float[] {0.9f, -1.9f, 0.5f}, w.toFloatArray(), 1e-6f);
            try (NDArray g = w.getGradient()) {
                assertArrayEquals(new float[] {0f, 0f, 0f}, g.toFloatArray(), "gradient zeroed for the next step");
            }
            assertEquals(1, adam.steps());
        }
    }

    @Test
    void followsTorchOptimAdamOverSeveralSteps() {
        float[][] grads = {{0.3f, -1f}, {0.1f, 2f}, {-0.4f, 0.5f}, {0f, -3f}, {1e-3f, 1e-4f}};
        double lr = 0.01;
        double[] w = {0.2, -0.7};
        double[] mean = new double[2];
        double[] var = new double[2];
        try (NDManager m = NDManager.newBaseManager(); FusedAdam adam = new FusedAdam(m, lr, 1, true)) {
            NDArray weight = weight(m, 0.2f, -0.7f);
            for (int t = 1; t <= grads.length; t++) {
                gradient(weight, grads[t - 1]);
                adam.update(Map.of("w", weight));
                // torch.optim.Adam (single tensor), in double precision.
                for (int i = 0; i < 2; i++) {
                    double g = grads[t - 1][i];
                    mean[i] = 0.9 * mean[i] + 0.1 * g;
                    var[i] = 0.999 * var[i] + 0.001 * g * g;
                    double denom = Math.sqrt(var[i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
                    w[i] -= lr / (1 - Math.pow(0.9, t)) * mean[i] / denom;
                }
                float[] got = weight.toFloatArray();
                for (int i = 0; i < 2; i++) {
                    assertEquals(w[i], got[i], 1e-6, "step " + t + ", element " + i);
                }
            }
        }
    }

    /** A weight of n elements with a fixed pseudo-random gradient: big enough to be split across threads. */
    private static float[] run(int threads, boolean fuse, int n, int steps) {
        try (NDManager m = NDManager.newBaseManager(); FusedAdam adam = new FusedAdam(m, 1e-3, threads, fuse)) {
            float[] init = new float[n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                init[i] = (float) Math.sin(i);
                g[i] = (float) Math.cos(3.0 * i) * (i % 7 == 0 ? 1e-4f : 1f);
            }
            NDArray w = weight(m, init);
            NDArray small = weight(m, 1f, 2f);
            for (int s = 0; s < steps; s++) {
                gradient(w, g);
                gradient(small, new float[] {0.5f, -0.5f});
                adam.update(new LinkedHashMap<>(Map.of("w", w, "small", small)));
            }
            return w.toFloatArray();
        }
    }

    @Test
    void resultDoesNotDependOnTheThreadCount() {
        int n = 200_003;
        assertArrayEquals(run(1, true, n, 3), run(2, true, n, 3));
        assertArrayEquals(run(1, true, n, 3), run(3, true, n, 3));
    }

    @Test
    void libtorchPathComputesTheSameUpdate() {
        float[] fused = run(2, true, 5000, 4);
        float[] libtorch = run(2, false, 5000, 4);
        for (int i = 0; i < fused.length; i++) {
            assertEquals(fused[i], libtorch[i], 1e-6, "element " + i);
        }
    }

    @Test
    void stateRoundTripContinuesBitForBit(@TempDir Path dir) throws IOException {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            DistillNet a = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny"), ALONE, 2, 32), m).get("s1");
            DistillNet b = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny"), ALONE, 2, 32), m).get("s1");
            copy(a, b);
            try (FusedAdam first = new FusedAdam(m, 1e-2); FusedAdam second = new FusedAdam(m, 1e-2)) {
                step(a, first, 1);
                step(a, first, 2);
                first.write(a, dir.resolve("s1.adam"));
                copy(a, b);
                second.read(b, dir.resolve("s1.adam"));
                assertEquals(2, second.steps());
                step(a, first, 3);
                step(b, second, 3);
                assertEquals(Fixtures.weights(a).size(), Fixtures.weights(b).size());
                for (int i = 0; i < Fixtures.weights(a).size(); i++) {
                    assertArrayEquals(Fixtures.weights(a).get(i), Fixtures.weights(b).get(i), "parameter " + i);
                }
            }
        }
    }

    @Test
    void stateOfANetworkNeverUpdatedRoundTrips(@TempDir Path dir) throws IOException {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager(); FusedAdam fresh = new FusedAdam(m, 1e-3);
                FusedAdam other = new FusedAdam(m, 1e-3)) {
            DistillNet net = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny"), ALONE, 2, 32), m)
                    .get("s1");
            fresh.write(net, dir.resolve("s1.adam"));
            step(net, other, 1);
            other.read(net, dir.resolve("s1.adam"));
            assertEquals(0, other.steps());
        }
    }

    private static void copy(DistillNet from, DistillNet to) {
        var src = from.getParameters();
        var dst = to.getParameters();
        for (int i = 0; i < src.size(); i++) {
            dst.get(i).getValue().getArray().set(new NDIndex("..."), src.get(i).getValue().getArray());
        }
    }

    /** Gives every trainable parameter of {@code net} a gradient derived from {@code k}, then one update. */
    private static void step(DistillNet net, FusedAdam adam, int k) {
        for (var p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                NDArray w = p.getValue().getArray();
                float[] c = new float[(int) w.getShape().size()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = (float) Math.sin(k * 31 + i);
                }
                gradient(w, c);
            }
        }
        adam.update(net);
    }

    @Test
    void refusesAFileThatIsNotItsStateNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("teacher.adam");
        Files.write(file, new byte[] {0, 0, 0, 7, 1, 2, 3});
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager(); FusedAdam adam = new FusedAdam(m, 1e-3)) {
            DistillNet net = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny"), ALONE, 2, 32), m).get("s1");
            IOException e = assertThrows(IOException.class, () -> adam.read(net, file));
            assertTrue(e.getMessage().startsWith(file + ": not a kdml optimiser state"), e.getMessage());
        }
    }

    /**
     * A schedule's new rate applies from the next step, moments and step count carrying on: with a
     * constant gradient, every step of Adam moves by lr·sign(g) (t = 2: m̂ = 0.19g/0.19, v̂ = g²), so
     * 1 → 0.9 at 0.1, then → 0.85 at 0.05; both the fused and the libtorch path.
     */
    @Test
    void aNewRateAppliesFromTheNextStep() {
        for (boolean fuse : new boolean[] {true, false}) {
            try (NDManager m = NDManager.newBaseManager(); FusedAdam adam = new FusedAdam(m, 0.1, 2, fuse)) {
                NDArray w = weight(m, 1f, -2f);
                gradient(w, new float[] {0.5f, -3f});
                adam.update(Map.of("w", w));
                adam.learningRate(0.05);
                gradient(w, new float[] {0.5f, -3f});
                adam.update(Map.of("w", w));
                assertArrayEquals(new float[] {0.85f, -1.85f}, w.toFloatArray(), 1e-6f, "fused " + fuse);
                assertEquals(2, adam.steps());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> adam.learningRate(Double.NaN));
                assertEquals("learning rate must be a finite number > 0, got NaN", e.getMessage());
            }
        }
    }

    @Test
    void refusesANonPositiveLearningRate() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FusedAdam(m, 0));
            assertEquals("learning rate must be a finite number > 0, got 0.0", e.getMessage());
        }
    }

    @Test
    void fusedPathIsAvailableWithThisDjl() {
        assertTrue(FusedAdam.fusedAvailable(), "DJL's PyTorch binding changed: the fused CPU path is off");
    }
}
