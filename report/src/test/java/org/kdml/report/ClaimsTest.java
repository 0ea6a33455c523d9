package org.kdml.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kdml.results.ClassificationMetrics;
import org.kdml.results.NetworkResult;
import org.kdml.results.RunResult;
import org.kdml.results.TestPredictions;

/** The claims' pairing, McNemar, Holm and verdicts on predictions built by hand. */
class ClaimsTest {

    private static final int N = 40;

    /** A run of {@code variant} whose ensemble gets right exactly the images in {@code right}. */
    private static RunResult run(String variant, Map<String, TestPredictions> store, boolean[] right) {
        Map<String, NetworkResult> nets = Map.of("ensemble", new NetworkResult("ensemble", 0, 0, 0,
                ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 1}, 2), null, null));
        RunResult r = RunResult.builder(variant + "-1", "claims", variant, 1).teacherTraining("none").networks(nets)
                .trainSeconds(1).imagesPerSecond(1).build();
        // Items listed in reverse for one variant: the pairing goes by item id, not by row.
        List<Integer> order = IntStream.range(0, N).boxed().toList();
        if (variant.endsWith("v1")) {
            order = IntStream.range(0, N).map(i -> N - 1 - i).boxed().toList();
        }
        List<String> items = order.stream().map(i -> String.format("img%02d", i)).toList();
        int[] labels = new int[N];
        int[] predicted = new int[N];
        for (int k = 0; k < N; k++) {
            predicted[k] = right[order.get(k)] ? 0 : 1;
        }
        store.put(r.runId(), new TestPredictions(items, labels, 2, Map.of("ensemble", new float[N * 2]),
                Map.of("ensemble", predicted)));
        return r;
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive) right, the others wrong. */
    private static boolean[] right(int[]... ranges) {
        boolean[] out = new boolean[N];
        for (int[] r : ranges) {
            for (int i = r[0]; i < r[1]; i++) {
                out[i] = true;
            }
        }
        return out;
    }

    /**
     * KD+ML: V3 right on images 0–34, V1 on 0–4 and 35–39 → b = 30 (only V3 right), c = 5, A − B =
     * (35 − 10)/40 = 0.625; McNemar p = 2·P(X ≤ 5), X ~ Bin(35, ½) = 2·(1 + 35 + 595 + 6545 + 52360 +
     * 324632)/2³⁵ = 768336/34359738368 = 2.2362e-5. ML: V3 right on 0–2 and 10–12, V1 on 0–2 and
     * 20–21 → b = 3, c = 2: p = 2·(1 + 5 + 10)/32 = 1. Holm over the two: 2 × 2.2362e-5 = 4.4723e-5,
     * then max(4.4723e-5, 1 × 1) = 1.
     */
    @Test
    void handComputedMcNemarHolmAndVerdicts() {
        Map<String, TestPredictions> store = new HashMap<>();
        List<RunResult> runs = List.of(
                run("kd-ml-v3", store, right(new int[] {0, 35})),
                run("kd-ml-v1", store, right(new int[] {0, 5}, new int[] {35, 40})),
                run("ml-v3", store, right(new int[] {0, 3}, new int[] {10, 13})),
                run("ml-v1", store, right(new int[] {0, 3}, new int[] {20, 22})));
        List<Claims.Row> rows = Claims.of(runs, r -> store.get(r.runId()));
        List<Claims.Row> versions = rows.stream().filter(r -> r.family().startsWith("V3")).toList();
        assertEquals(2, versions.size());
        Claims.Row ml = versions.get(0);
        Claims.Row kdml = versions.get(1);
        assertEquals("ml-v3/ensemble", ml.a());
        assertEquals(3, ml.mcNemar().b());
        assertEquals(2, ml.mcNemar().c());
        assertEquals(1.0, ml.mcNemar().p(), 1e-12);
        assertEquals(1.0, ml.pHolm(), 1e-12);
        assertEquals("inconclusive", ml.verdict());
        assertEquals("kd-ml-v3/ensemble", kdml.a());
        assertEquals(30, kdml.mcNemar().b());
        assertEquals(5, kdml.mcNemar().c());
        assertEquals(0.625, kdml.interval().difference(), 1e-12);
        assertEquals(768336.0 / 34359738368.0, kdml.mcNemar().p(), 1e-12);
        assertEquals(2 * 768336.0 / 34359738368.0, kdml.pHolm(), 1e-12);
        assertEquals("supported", kdml.verdict());
        assertEquals(N, kdml.pairs());
        assertEquals("undefined: one pair (seed)", kdml.seedTest());
    }

    /** A run of {@code variant} whose networks get right exactly the images given for each. */
    private static RunResult run(String variant, String teacherTraining, Map<String, TestPredictions> store,
            Map<String, boolean[]> right) {
        Map<String, NetworkResult> nets = new HashMap<>();
        Map<String, int[]> predicted = new HashMap<>();
        Map<String, float[]> probabilities = new HashMap<>();
        for (Map.Entry<String, boolean[]> e : right.entrySet()) {
            nets.put(e.getKey(), new NetworkResult(e.getKey(), 0, 0, 0,
                    ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 1}, 2), null, null));
            int[] p = new int[N];
            for (int k = 0; k < N; k++) {
                p[k] = e.getValue()[k] ? 0 : 1;
            }
            predicted.put(e.getKey(), p);
            probabilities.put(e.getKey(), new float[N * 2]);
        }
        RunResult r = RunResult.builder(variant + "-1", "claims", variant, 1).teacherTraining(teacherTraining)
                .networks(nets).trainSeconds(1).imagesPerSecond(1).build();
        List<String> items = IntStream.range(0, N).mapToObj(i -> String.format("img%02d", i)).toList();
        store.put(r.runId(), new TestPredictions(items, new int[N], 2, probabilities, predicted));
        return r;
    }

    /**
     * The gap is measured from the teacher that teaches. The frozen teacher (kd-off-v1) is right on
     * images 0–29, the baseline's own teacher on 0–9, the student alone on 0–19. Against the frozen
     * teacher: b = 10 (only the teacher right), c = 0, A − B = 10/40 = 0.25, McNemar p = 2·½¹⁰ =
     * 1/512, one row so Holm leaves it: supported. Without a frozen teacher the baseline's teacher is
     * used: b = 0, c = 10, A − B = −0.25, p = 1/512: contradicted.
     */
    @Test
    void theGapIsMeasuredFromTheFrozenTeacherWhenAVariantFreezesOne() {
        Map<String, TestPredictions> store = new HashMap<>();
        RunResult frozen = run("kd-off-v1", "frozen", store, Map.of("teacher", right(new int[] {0, 30})));
        RunResult method = run("baseline-at", "frozen", store, Map.of("teacher", right(new int[] {0, 40})));
        RunResult alone = run("baseline", "joint", store, Map.of("teacher", right(new int[] {0, 10}),
                "s1", right(new int[] {0, 20})));
        Claims.Row gap = Claims.of(List.of(method, alone, frozen), r -> store.get(r.runId())).get(0);
        assertEquals("the teacher > each student trained alone (the gap to close)", gap.family());
        assertEquals("kd-off-v1/teacher", gap.a());
        assertEquals("baseline/s1", gap.b());
        assertEquals(10, gap.mcNemar().b());
        assertEquals(0, gap.mcNemar().c());
        assertEquals(0.25, gap.interval().difference(), 1e-12);
        assertEquals(1.0 / 512, gap.pHolm(), 1e-12);
        assertEquals("supported", gap.verdict());

        Claims.Row own = Claims.of(List.of(method, alone), r -> store.get(r.runId())).get(0);
        assertEquals("baseline/teacher", own.a());
        assertEquals(-0.25, own.interval().difference(), 1e-12);
        assertEquals(1.0 / 512, own.pHolm(), 1e-12);
        assertEquals("contradicted", own.verdict());
    }

    @Test
    void verdictsFollowTheSignAndTheCorrectedP() {
        assertEquals("supported", Claims.verdict(0.01, 0.049));
        assertEquals("contradicted", Claims.verdict(-0.01, 0.049));
        assertEquals("inconclusive", Claims.verdict(0.01, 0.05));
        assertEquals("inconclusive", Claims.verdict(-0.2, Double.NaN));
        assertEquals("inconclusive", Claims.verdict(0.0, 0.001));
    }
}
