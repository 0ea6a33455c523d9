package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.distill.Methods;
import org.kdml.results.Normalization;
import org.kdml.core.data.SyntheticPatches;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Specs;
import org.kdml.spec.ExperimentSpec;
import org.kdml.results.EpochRecord;
import org.kdml.results.RunResult;

/** Tiny networks and data for engine tests. */
final class Fixtures {

    static final SyntheticPatches DATA = new SyntheticPatches(64, 32, 2);

    private Fixtures() {
    }

    /** A session of resnet50-tiny → 2 × resnet18-tiny on {@code graph}, seeded. */
    static DistillationSession session(SharingGraph graph, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        NDManager manager = NDManager.newBaseManager();
        Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny", "resnet18-tiny"),
                graph, 2, 32), manager);
        return new DistillationSession(manager, graph, nets, 2e-3, 0.5, TaskLoss.CLASSIFICATION,
                Methods.styles(graph, 2.0, TaskLoss.CLASSIFICATION));
    }

    static Batches batches() {
        List<Integer> all = IntStream.range(0, DATA.size()).boxed().toList();
        return new Batches(DATA, Normalization.fit(DATA.imageSize(), DATA::image, all));
    }

    static List<Integer> firstBatch(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** Every parameter (running statistics included) of {@code net}, as float arrays. */
    static List<float[]> weights(DistillNet net) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Sum of |gradient| over every trainable parameter of {@code net}. */
    static double gradientMass(DistillNet net) {
        double s = 0;
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    s += g.abs().sum().getFloat();
                }
            }
        }
        return s;
    }

    static void zeroGradients(DistillNet net) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    g.subi(g);
                }
            }
        }
    }

    static ExperimentSpec spec(String yaml) {
        return Specs.parse(yaml, "test.yaml");
    }

    /**
     * Asserts that {@code actual} has exactly the numbers of {@code expected}: every epoch's phase,
     * number, loss terms and validation scores, and every network's test metrics (seconds aside).
     *
     * @param what names the case in failure messages
     */
    static void assertSameNumbers(RunResult expected, RunResult actual, String what) throws Exception {
        assertEquals(expected.history().size(), actual.history().size(), what + ": epochs");
        for (int i = 0; i < expected.history().size(); i++) {
            EpochRecord a = expected.history().get(i);
            EpochRecord b = actual.history().get(i);
            assertEquals(List.of(a.phase(), a.epoch(), a.train(), a.validation()),
                    List.of(b.phase(), b.epoch(), b.train(), b.validation()), what + ", epoch record " + i);
        }
        assertEquals(Specs.json().writeValueAsString(expected.networks()),
                Specs.json().writeValueAsString(actual.networks()), what + ": test metrics");
    }
}
