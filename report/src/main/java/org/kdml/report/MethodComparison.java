package org.kdml.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.kdml.results.EpochRecord;
import org.kdml.results.NetworkResult;
import org.kdml.results.ResultNames;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Phase;
import org.kdml.spec.Summary;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Variant;
import org.kdml.spec.Version;

/**
 * The paper's "comparison with existing methods" table: one row per method variant
 * ({@code baseline-<key>}, its student), then kdml's KD+ML V3 S1, S2 and ensemble; columns the
 * task's metrics (mean ± std over seeds), deployed parameters, training-only parameters (edge
 * modules), seconds per joint epoch, and the protocol; then paired tests over seeds of the KD+ML
 * V3 ensemble against each method. Empty when the experiment ran no method.
 */
final class MethodComparison {

    /** The variant whose ensemble the methods are compared with. */
    static final String KDML = Variant.presetKey(Mode.KD_ML, Version.V3);

    private final List<RunResult> runs;
    private final Map<String, Function<NetworkResult, Double>> metrics;
    private final List<String> methods;

    MethodComparison(List<RunResult> runs, Map<String, Function<NetworkResult, Double>> metrics) {
        this.runs = runs;
        this.metrics = metrics;
        this.methods = runs.stream().map(RunResult::variant).filter(v -> v.startsWith(ExperimentSpec.METHOD_PREFIX))
                .distinct().sorted(Comparator.comparingInt(MethodComparison::order)).toList();
    }

    /** @return whether there is anything to compare */
    boolean present() {
        return !methods.isEmpty();
    }

    /** A row of the table: a network of a variant. */
    private record Row(String variant, String node, String label) {
    }

    private List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (String m : methods) {
            String key = m.substring(ExperimentSpec.METHOD_PREFIX.length());
            String ref = reference(key);
            out.add(new Row(m, "s1", ResultNames.header(m) + (ref.isEmpty() ? "" : " (" + ref + ")")));
        }
        for (String node : List.of("s1", "s2", SharingGraph.ENSEMBLE)) {
            if (runsOf(KDML).stream().anyMatch(r -> r.networks().containsKey(node))) {
                out.add(new Row(KDML, node, ResultNames.header(KDML) + " " + ResultNames.label(node)));
            }
        }
        return out;
    }

    /** Registry order (the order of docs/method.md's table); unknown keys last. */
    private static int order(String variant) {
        String key = variant.substring(ExperimentSpec.METHOD_PREFIX.length());
        for (Knowledge k : Knowledge.values()) {
            if (k.key().equals(key)) {
                return k.ordinal();
            }
        }
        return Integer.MAX_VALUE;
    }

    private static String reference(String key) {
        for (Knowledge k : Knowledge.values()) {
            if (k.isMethod() && k.key().equals(key)) {
                return k.reference();
            }
        }
        return "";
    }

    private List<RunResult> runsOf(String variant) {
        return runs.stream().filter(r -> r.variant().equals(variant)).sorted(Comparator.comparingLong(RunResult::seed))
                .toList();
    }

    /** @return the table, header first */
    List<List<String>> table() {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("method"));
        head.addAll(metrics.keySet());
        head.addAll(List.of("deployed parameters", "training-only parameters", "s / epoch", "protocol"));
        rows.add(head);
        for (Row r : rows()) {
            List<RunResult> of = runsOf(r.variant());
            List<String> row = new ArrayList<>(List.of(r.label()));
            for (Function<NetworkResult, Double> m : metrics.values()) {
                List<Double> values = of.stream().map(x -> x.networks().get(r.node())).filter(Objects::nonNull)
                        .map(m).filter(Objects::nonNull).toList();
                row.add(values.isEmpty() ? "–" : Summary.of(values).toString());
            }
            NetworkResult any = of.stream().map(x -> x.networks().get(r.node())).filter(Objects::nonNull).findFirst()
                    .orElse(null);
            boolean ensemble = r.node().equals(SharingGraph.ENSEMBLE);
            long deployed = ensemble ? deployedEnsemble(of) : any == null ? 0 : any.parameters();
            row.add(String.format("%,d", deployed));
            Long extra = any == null ? null : any.trainingOnlyParameters();
            row.add(extra == null ? "0" : String.format("%,d", extra));
            List<Double> perEpoch = of.stream().map(MethodComparison::secondsPerJointEpoch).filter(Objects::nonNull)
                    .toList();
            row.add(perEpoch.isEmpty() ? "–" : String.format("%.2f", Summary.of(perEpoch).mean()));
            row.add(of.isEmpty() || of.get(0).protocol() == null ? "–" : of.get(0).protocol());
            rows.add(row);
        }
        return rows;
    }

    /** The students an ensemble deploys: their parameters together. */
    private static long deployedEnsemble(List<RunResult> of) {
        if (of.isEmpty()) {
            return 0;
        }
        return of.get(0).networks().entrySet().stream().filter(e -> SharingGraph.isStudent(e.getKey()))
                .mapToLong(e -> e.getValue().parameters()).sum();
    }

    /** Mean wall time of the joint phase's epochs (the teacher's own phase left out). */
    static Double secondsPerJointEpoch(RunResult r) {
        List<Double> s = r.history().stream().filter(e -> e.phase() == Phase.JOINT).map(EpochRecord::seconds).toList();
        return s.isEmpty() ? null : s.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** @return paired tests over seeds of the KD+ML V3 ensemble against each method's student */
    List<String> tests() {
        Map.Entry<String, Function<NetworkResult, Double>> primary = metrics.entrySet().iterator().next();
        List<String> out = new ArrayList<>();
        Map<Long, Double> ours = bySeed(KDML, SharingGraph.ENSEMBLE, primary.getValue());
        for (String m : methods) {
            Map<Long, Double> theirs = bySeed(m, "s1", primary.getValue());
            List<Long> seeds = ours.keySet().stream().filter(theirs::containsKey).sorted().toList();
            if (seeds.isEmpty()) {
                continue;
            }
            double[] a = seeds.stream().mapToDouble(ours::get).toArray();
            double[] b = seeds.stream().mapToDouble(theirs::get).toArray();
            Stats.Paired p = Stats.pairedT(a, b);
            String verdict = !p.defined() ? p.undefined() : String.format("paired t(%d) = %.2f, p = %.3f%s", p.df(),
                    p.t(), p.p(), p.p() < 0.05 ? "" : " — within noise");
            out.add(String.format("%s %s − %s S1 = %+.3f over seeds %s; %s", ResultNames.header(KDML) + " Ensemble",
                    primary.getKey(), ResultNames.header(m), p.meanDiff(), seeds, verdict));
        }
        return out;
    }

    private Map<Long, Double> bySeed(String variant, String node, Function<NetworkResult, Double> metric) {
        Map<Long, Double> out = new LinkedHashMap<>();
        for (RunResult r : runsOf(variant)) {
            NetworkResult n = r.networks().get(node);
            Double v = n == null ? null : metric.apply(n);
            if (v != null) {
                out.put(r.seed(), v);
            }
        }
        return out;
    }

    /** @return what a reader must know about the methods in the table ({@link Knowledge#caveat()}) */
    List<String> caveats() {
        List<String> out = new ArrayList<>();
        for (String m : methods) {
            String key = m.substring(ExperimentSpec.METHOD_PREFIX.length());
            for (Knowledge k : Knowledge.values()) {
                if (k.isMethod() && k.key().equals(key) && !k.caveat().isEmpty()) {
                    out.add(k.caveat());
                }
            }
        }
        return out;
    }

    /** @return the table as CSV rows (method, metric columns, parameters, seconds, protocol) */
    String csv() {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : table()) {
            sb.append(String.join(",", row.stream().map(c -> c.contains(",") ? "\"" + c + "\"" : c).toList()))
                    .append('\n');
        }
        return sb.toString();
    }
}
