package org.kdml.pipeline.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kdml.spec.Summary;

/**
 * What {@code kdml status}, the status endpoint ({@code GET /experiments/NAME}) and the dashboard
 * show of one experiment: run counts by state, and mean ± std over seeds of the test metric per
 * variant and network.
 *
 * @param experiment the experiment's name
 * @param total runs in the experiment
 * @param counts runs by shown state (its {@link RunStatus#wire()} name), every state present
 * @param cka runs with CKA results
 * @param done whether every run is evaluated or failed
 * @param metric the test metric of the scores ({@code accuracy} or {@code iou}), null before any
 * @param firstStartedAt when the first run started (ms), null before
 * @param variants per variant and network, the test metric over seeds
 * @param runs every run, by variant then seed
 * @param report the experiment's report in S3 once the reporter wrote it: its files
 *     ({@code report.md}, {@code report.csv}, {@code report.html}) by name, each as bucket/key; else null
 */
public record ExperimentStatus(String experiment, int total, Map<String, Integer> counts, int cka, boolean done,
        String metric, Long firstStartedAt, Map<String, Map<String, Summary>> variants, List<Row> runs,
        Map<String, String> report) {

    /**
     * One run's line.
     *
     * @param runId the run
     * @param variant its variant
     * @param seed its seed
     * @param state where it stands
     * @param attempt its attempt (0 before a worker took it)
     * @param progress e.g. {@code joint 3/5}, while training
     * @param reason the last reason given (a failure, a resume)
     * @param cka whether its CKA is in
     * @param curve validation score per epoch of this attempt: [epoch index, score]
     * @param etaSeconds seconds left in the phase, while training
     * @param validation the last validation score, while training
     * @param heatmaps S3 key of each pair's CKA heatmap
     * @param exports S3 key of each exported file ({@code model.onnx}, the card, …), when the spec asks for an export
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String runId, String variant, long seed, RunStatus state, int attempt, String progress,
            String reason, boolean cka, List<double[]> curve, Double etaSeconds, Double validation,
            Map<String, String> heatmaps, Map<String, String> exports) {
    }

    /** The status of {@code state}. */
    static ExperimentStatus of(ExperimentState state) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (RunStatus s : RunStatus.values()) {
            counts.put(s.wire(), 0);
        }
        int cka = 0;
        Long firstStart = null;
        String metric = null;
        Map<String, Map<String, List<Double>>> byVariant = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, RunState> e : state.runs().entrySet()) {
            RunState r = e.getValue();
            counts.merge(r.shown().wire(), 1, Integer::sum);
            cka += r.cka ? 1 : 0;
            if (r.startedAt != null) {
                firstStart = firstStart == null ? r.startedAt : Math.min(firstStart, r.startedAt);
            }
            if (r.evaluated) {
                metric = r.metric;
                r.scores.forEach((node, score) -> byVariant.computeIfAbsent(r.variant, k -> new LinkedHashMap<>())
                        .computeIfAbsent(node, k -> new ArrayList<>()).add(score));
            }
            String progress = r.epoch == null ? null : r.phase + " " + r.epoch + "/" + r.epochs;
            rows.add(new Row(e.getKey(), r.variant, r.seed, r.shown(), r.attempt, progress, r.reason, r.cka,
                    List.copyOf(r.curve), r.etaSeconds(), r.validation(), new LinkedHashMap<>(r.heatmaps),
                    r.exports.isEmpty() ? null : new LinkedHashMap<>(r.exports)));
        }
        Map<String, Map<String, Summary>> variants = new LinkedHashMap<>();
        byVariant.forEach((variant, nets) -> {
            Map<String, Summary> v = new LinkedHashMap<>();
            nets.forEach((node, xs) -> v.put(node, Summary.of(xs)));
            variants.put(variant, v);
        });
        rows.sort(Comparator.comparing(Row::variant).thenComparingLong(Row::seed));
        int total = state.total();
        boolean done = total > 0 && counts.get(RunStatus.EVALUATED.wire()) + counts.get(RunStatus.FAILED.wire()) >= total;
        return new ExperimentStatus(state.experiment(), total, counts, cka, done, metric, firstStart, variants, rows,
                state.report());
    }

    /** @return runs in {@code s} */
    public int count(RunStatus s) {
        return counts.getOrDefault(s.wire(), 0);
    }
}
