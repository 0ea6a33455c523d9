package org.kdml.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.kdml.results.ResultNames;
import org.kdml.results.RunResult;
import org.kdml.results.TestPredictions;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Variant;
import org.kdml.spec.Version;
import org.kdml.spec.TeacherTraining;

/**
 * The paper's claims, each tested on the test images: one row per claim "A is at least as accurate
 * as B", in five families (each corrected on its own):
 * <ol>
 * <li>the premise: the teacher beats each student trained alone ({@code baseline}), the gap
 * distillation can close. The teacher is the one that teaches: the frozen teacher (trained alone
 * for {@code teacherEpochs}, the same in every variant that freezes it) of the first such variant
 * by name, methods aside; the baseline's own teacher (trained alone for {@code epochs}) when no
 * variant freezes one;
 * <li>V3 ≥ V1 within each mode (ensembles);
 * <li>KD+ML ≥ KD off, KD on and ML for the same version (ensembles);
 * <li>a student taught by the teacher beats the same student trained alone ({@code baseline});
 * <li>the ensemble beats each of its students (same run);
 * <li>KD+ML V3's ensemble beats each existing method's student.
 * </ol>
 * Every row pairs the two networks on the same images: for each seed both runs split the data the
 * same way, so each test image of each seed is one pair. The difference is A's accuracy minus B's,
 * pooled over the (seed, image) pairs, with a paired percentile bootstrap 95 % interval over those
 * pairs (1000 draws, fixed seed); its p-value is McNemar's exact two-sided test on the pooled
 * discordant pairs, Holm-corrected within the family. Verdict: <b>supported</b> when the difference
 * is positive and the corrected p &lt; 0.05, <b>contradicted</b> when negative and p &lt; 0.05,
 * <b>inconclusive</b> otherwise. The seed-level paired t-test is shown beside it: the images measure
 * the test set's noise, the seeds the training's. A measurement, not a confirmation.
 */
public final class Claims {

    /** The significance level the verdicts use (after Holm). */
    public static final double LEVEL = 0.05;

    private static final int RESAMPLES = 1000;
    private static final String GAP = "the teacher > each student trained alone (the gap to close)";

    /**
     * One tested claim.
     *
     * @param family the claim's family (Holm corrects within it)
     * @param a the variant and network claimed at least as accurate, e.g. {@code kd-ml-v3/ensemble}
     * @param b the one it is compared with
     * @param seeds the seeds both have
     * @param pairs (seed, image) pairs
     * @param interval A − B accuracy, with its bootstrap interval
     * @param mcNemar the pooled McNemar test
     * @param pHolm its p-value after Holm within the family (NaN when undefined)
     * @param seedTest the seed-level paired t-test, as text
     * @param verdict supported, contradicted or inconclusive
     */
    public record Row(String family, String a, String b, List<Long> seeds, int pairs, Stats.Interval interval,
            Stats.McNemar mcNemar, double pHolm, String seedTest, String verdict) {
    }

    private Claims() {
    }

    /** A comparison to make: variant and network of each side. */
    private record Pair(String family, String variantA, String nodeA, String variantB, String nodeB) {
    }

    /**
     * Tests every claim the runs allow.
     *
     * @param runs the experiment's results
     * @param predictions each run's per-image test predictions, or null where it has none (then its
     *     claims are left out)
     * @return the rows, family by family
     */
    public static List<Row> of(List<RunResult> runs, Function<RunResult, TestPredictions> predictions) {
        Map<String, TestPredictions> cache = new LinkedHashMap<>();
        Function<RunResult, TestPredictions> cached = r -> cache.computeIfAbsent(r.runId(),
                id -> predictions.apply(r));
        List<Row> out = new ArrayList<>();
        Map<String, List<Pair>> families = families(runs);
        for (Map.Entry<String, List<Pair>> f : families.entrySet()) {
            List<Row> rows = new ArrayList<>();
            for (Pair p : f.getValue()) {
                Row r = test(p, runs, cached);
                if (r != null) {
                    rows.add(r);
                }
            }
            double[] raw = rows.stream().mapToDouble(r -> r.mcNemar().p()).toArray();
            double[] adjusted = Stats.holm(raw);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                out.add(new Row(r.family(), r.a(), r.b(), r.seeds(), r.pairs(), r.interval(), r.mcNemar(),
                        adjusted[i], r.seedTest(), verdict(r.interval().difference(), adjusted[i])));
            }
        }
        return out;
    }

    /** @return supported, contradicted or inconclusive for difference A − B and corrected p */
    static String verdict(double difference, double pHolm) {
        if (Double.isNaN(pHolm) || pHolm >= LEVEL || difference == 0) {
            return "inconclusive";
        }
        return difference > 0 ? "supported" : "contradicted";
    }

    private static Map<String, List<Pair>> families(List<RunResult> runs) {
        List<String> variants = runs.stream().map(RunResult::variant).distinct().sorted().toList();
        Map<String, List<Pair>> f = new LinkedHashMap<>();
        String ens = SharingGraph.ENSEMBLE;
        List<String> students = runs.stream().flatMap(r -> r.networks().keySet().stream())
                .filter(SharingGraph::isStudent).distinct().sorted().toList();
        String teacher = runs.stream().filter(r -> TeacherTraining.FROZEN.key().equals(r.teacherTraining()))
                .map(RunResult::variant).filter(v -> !v.startsWith(ExperimentSpec.METHOD_PREFIX)).sorted().findFirst()
                .orElse(ExperimentSpec.BASELINE);
        List<Pair> gap = new ArrayList<>();
        for (String s : students) {
            gap.add(new Pair(GAP, teacher, SharingGraph.TEACHER, ExperimentSpec.BASELINE, s));
        }
        f.put(GAP, gap);
        List<Pair> versions = new ArrayList<>();
        for (Mode mode : Mode.paperOrder()) {
            versions.add(new Pair("V3 ≥ V1 (same mode)", Variant.presetKey(mode, Version.V3), ens,
                    Variant.presetKey(mode, Version.V1), ens));
        }
        f.put("V3 ≥ V1 (same mode)", versions);
        List<Pair> modes = new ArrayList<>();
        for (Version v : Version.values()) {
            for (Mode other : Mode.values()) {
                if (other != Mode.KD_ML) {
                    modes.add(new Pair("KD+ML ≥ KD off, KD on, ML (same version)", Variant.presetKey(Mode.KD_ML, v),
                            ens, Variant.presetKey(other, v), ens));
                }
            }
        }
        f.put("KD+ML ≥ KD off, KD on, ML (same version)", modes);
        List<Pair> taught = new ArrayList<>();
        List<Pair> ensembles = new ArrayList<>();
        for (String v : variants) {
            boolean teaches = !v.equals(ExperimentSpec.BASELINE) && runs.stream().filter(r -> r.variant().equals(v))
                    .anyMatch(r -> r.edges().stream().anyMatch(e -> e.startsWith(SharingGraph.TEACHER + "->")));
            for (String s : students) {
                if (teaches) {
                    taught.add(new Pair("taught by the teacher > the same student alone", v, s,
                            ExperimentSpec.BASELINE, s));
                }
                ensembles.add(new Pair("ensemble > each of its students", v, ens, v, s));
            }
        }
        f.put("taught by the teacher > the same student alone", taught);
        f.put("ensemble > each of its students", ensembles);
        List<Pair> methods = new ArrayList<>();
        variants.stream().filter(v -> v.startsWith(ExperimentSpec.METHOD_PREFIX)).sorted(Comparator.naturalOrder())
                .forEach(m -> methods.add(new Pair("KD+ML V3 ensemble > each existing method", MethodComparison.KDML, ens, m,
                        "s1")));
        f.put("KD+ML V3 ensemble > each existing method", methods);
        return f;
    }

    /** @return the row of {@code p}, or null when the runs do not hold both sides on a common seed */
    private static Row test(Pair p, List<RunResult> runs, Function<RunResult, TestPredictions> predictions) {
        Map<Long, boolean[]> a = correct(runs, p.variantA(), p.nodeA(), predictions);
        Map<Long, boolean[]> b = correct(runs, p.variantB(), p.nodeB(), predictions);
        List<Long> seeds = a.keySet().stream().filter(b::containsKey).filter(s -> a.get(s).length == b.get(s).length)
                .sorted().toList();
        if (seeds.isEmpty()) {
            return null;
        }
        int n = seeds.stream().mapToInt(s -> a.get(s).length).sum();
        boolean[] first = new boolean[n];
        boolean[] second = new boolean[n];
        double[] accA = new double[seeds.size()];
        double[] accB = new double[seeds.size()];
        int k = 0;
        for (int i = 0; i < seeds.size(); i++) {
            boolean[] x = a.get(seeds.get(i));
            boolean[] y = b.get(seeds.get(i));
            System.arraycopy(x, 0, first, k, x.length);
            System.arraycopy(y, 0, second, k, y.length);
            k += x.length;
            accA[i] = share(x);
            accB[i] = share(y);
        }
        Stats.Interval interval = Stats.pairedBootstrap(first, second, 0.95, RESAMPLES, 20_261_207L);
        Stats.McNemar m = Stats.mcNemar(first, second);
        Stats.Paired t = Stats.pairedT(accA, accB);
        String seedTest = !t.defined() ? t.undefined()
                : String.format(Locale.ROOT, "t(%d) = %.2f, p = %.3f", t.df(), t.t(), t.p());
        return new Row(p.family(), p.variantA() + "/" + p.nodeA(), p.variantB() + "/" + p.nodeB(), seeds, n, interval,
                m, Double.NaN, seedTest, "");
    }

    /**
     * Per seed, whether {@code node} of {@code variant} got each test image right, in the order of
     * the items' ids (so that two runs of one seed pair image by image).
     */
    private static Map<Long, boolean[]> correct(List<RunResult> runs, String variant, String node,
            Function<RunResult, TestPredictions> predictions) {
        Map<Long, boolean[]> out = new LinkedHashMap<>();
        for (RunResult r : runs) {
            if (!r.variant().equals(variant) || !r.networks().containsKey(node)) {
                continue;
            }
            TestPredictions p = predictions.apply(r);
            if (p == null || !p.networks().contains(node)) {
                continue;
            }
            boolean[] c = p.correct(node);
            Integer[] order = new Integer[c.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparing(p.items()::get));
            boolean[] sorted = new boolean[c.length];
            for (int i = 0; i < order.length; i++) {
                sorted[i] = c[order[i]];
            }
            out.put(r.seed(), sorted);
        }
        return out;
    }

    private static double share(boolean[] x) {
        int s = 0;
        for (boolean b : x) {
            s += b ? 1 : 0;
        }
        return (double) s / x.length;
    }

    /** @return the rows as a Markdown-ready table (header first) */
    public static List<List<String>> table(List<Row> rows) {
        List<List<String>> out = new ArrayList<>();
        out.add(List.of("claim", "A", "B", "seeds", "A − B accuracy (95 % CI)", "McNemar p (Holm)",
                "seed-level t-test", "verdict"));
        for (Row r : rows) {
            Stats.Interval i = r.interval();
            out.add(List.of(r.family(), name(r.a()), name(r.b()), Integer.toString(r.seeds().size()),
                    String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", i.difference(), i.low(), i.high()),
                    Double.isNaN(r.pHolm()) ? r.mcNemar().undefined()
                            : String.format(Locale.ROOT, "%.2g (raw %.2g; %d vs %d)", r.pHolm(), r.mcNemar().p(),
                                    r.mcNemar().b(), r.mcNemar().c()),
                    r.seedTest(), r.verdict()));
        }
        return out;
    }

    /** @return the rows as CSV (one line each, numbers unrounded) */
    public static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("family,a,b,seeds,pairs,difference,low,high,b_only_a_right,"
                + "c_only_b_right,p_mcnemar,p_holm,seed_test,verdict\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "\"%s\",%s,%s,%d,%d,%.6f,%.6f,%.6f,%d,%d,%.6g,%.6g,\"%s\",%s%n",
                    r.family(), r.a(), r.b(), r.seeds().size(), r.pairs(), r.interval().difference(), r.interval().low(),
                    r.interval().high(), r.mcNemar().b(), r.mcNemar().c(), r.mcNemar().p(), r.pHolm(), r.seedTest(),
                    r.verdict()));
        }
        return sb.toString();
    }

    /** {@code kd-ml-v3/ensemble} → {@code KD+ML V3 Ensemble}. */
    private static String name(String side) {
        int slash = side.indexOf('/');
        return ResultNames.header(side.substring(0, slash)) + " " + ResultNames.label(side.substring(slash + 1));
    }
}
