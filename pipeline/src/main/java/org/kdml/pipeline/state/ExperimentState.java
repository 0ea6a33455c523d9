package org.kdml.pipeline.state;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.results.CkaResult;
import org.kdml.results.EpochRecord;
import org.kdml.results.ExportResult;
import org.kdml.results.ReportResult;
import org.kdml.results.RunResult;
import org.kdml.spec.SharingGraph;

/**
 * One experiment as every reader of the topics sees it, folded from {@code kdml.events},
 * {@code kdml.results} (and {@code kdml.runs}, for readers that see the runs before their events):
 * the latest state of each run, its validation curve, its test scores, its CKA heatmaps, whether
 * it was parked as failed, and the newest report. The orchestrator's Kafka Streams view keeps one
 * per experiment, and {@link #status()} is what {@code kdml status}, the status endpoint, the
 * dashboard and {@code kdml run}'s progress show; the reporter decides with {@link #complete()} and
 * {@link #covers()} when a report is due, and the chaos suite counts {@link #finished()} runs. The
 * fold keeps no payloads: a reader that needs the records (the reporter) keeps them beside it.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ExperimentState {

    private String experiment;
    private int total;
    private Map<String, RunState> runs = new LinkedHashMap<>();
    /** The report's files in S3 (bucket/key) by name, once the reporter wrote it; else null. */
    private Map<String, String> report;
    /** The runs and failures the newest report covers ({@link #covers()} when it was written), or null. */
    private String reportCovers;

    /** @return the experiment's name (null before the first message) */
    public String experiment() {
        return experiment;
    }

    /** @return runs in the experiment, as far as known */
    public int total() {
        return Math.max(total, runs.size());
    }

    /** @return the report's files in S3 (bucket/key) by name, or null before the reporter wrote one */
    public Map<String, String> report() {
        return report == null ? null : new LinkedHashMap<>(report);
    }

    /** @return every run folded so far, by run id */
    public Map<String, RunState> runs() {
        return runs;
    }

    /** @return what the newest report covers (as {@link #covers()} was when it was written), or null before one */
    public String reportCovers() {
        return reportCovers;
    }

    /** @return the runs that are finished: their metrics are in, or they were parked as failed (sorted) */
    public Set<String> finished() {
        Set<String> out = new TreeSet<>();
        runs.forEach((id, r) -> {
            if (r.evaluated || r.parked) {
                out.add(id);
            }
        });
        return out;
    }

    /**
     * @return the runs with metrics and the runs parked as failed, e.g. {@code [r1, r2] failed [r3]},
     *     as a report records what it covers ({@code covers} on the wire)
     */
    public String covers() {
        Set<String> evaluated = new TreeSet<>();
        runs.forEach((id, r) -> {
            if (r.evaluated) {
                evaluated.add(id);
            }
        });
        return evaluated + " failed " + parked();
    }

    /** @return the runs with an attempt parked as failed (sorted), whatever came after */
    public Set<String> parked() {
        Set<String> out = new TreeSet<>();
        runs.forEach((id, r) -> {
            if (r.parked) {
                out.add(id);
            }
        });
        return out;
    }

    /**
     * @return whether a report can be written: every run of the experiment is known, at least one
     *     has metrics, and each has its metrics and its CKA or was parked as failed
     */
    public boolean complete() {
        if (runs.isEmpty() || runs.size() < total) {
            return false;
        }
        boolean any = false;
        for (RunState r : runs.values()) {
            if (!r.parked && !(r.evaluated && r.cka)) {
                return false;
            }
            any |= r.evaluated;
        }
        return any;
    }

    /**
     * Folds one message of either topic; a message that is neither (its producer validated it,
     * so this is a stray) changes nothing.
     *
     * @return this state
     */
    public ExperimentState fold(String message) {
        try {
            Record r = Topics.readEventOrResult(message);
            return r instanceof ResultMessage m ? apply(m) : apply((RunEvent) r);
        } catch (IOException | RuntimeException e) {
            return this;
        }
    }

    private RunState run(String runId, String experimentName, String variant, long seed) {
        experiment = experimentName;
        RunState r = runs.computeIfAbsent(runId, k -> new RunState());
        r.variant = variant;
        r.seed = seed;
        return r;
    }

    /** Folds a run as published on {@code kdml.runs}: known and queued until its events say more. */
    public ExperimentState apply(RunMessage m) {
        RunState r = run(m.runId(), m.experiment(), m.variant(), m.seed());
        r.index = m.index();
        r.total = m.total();
        total = Math.max(total, m.total());
        return this;
    }

    /** Folds a lifecycle event. */
    public ExperimentState apply(RunEvent e) {
        RunState r = run(e.runId(), e.experiment(), e.variant(), e.seed());
        r.attempt = e.attempt();
        if (e.worker() != null) {
            r.worker = e.worker();
        }
        r.index = e.index();
        r.total = e.total();
        total = Math.max(total, e.total());
        switch (e.type()) {
            case QUEUED -> r.state = RunStatus.QUEUED;
            case STARTED -> {
                r.state = RunStatus.STARTED;
                r.epoch = null;
                r.epochs = null;
                r.phase = null;
                r.reason = null;
                r.startedAt = e.time();
                r.curve.clear();
                r.lastEpochAt = null;
            }
            case EPOCH -> {
                r.state = RunStatus.RUNNING;
                if (e.epoch() != null) {
                    r.phase = e.phase() == null ? null : e.phase().key();
                    r.epoch = e.epoch();
                    r.epochs = e.epochs();
                }
                r.curve.add(new double[] {r.curve.size() + 1, validation(e)});
                r.lastEpochAt = e.time();
            }
            case CHECKPOINTED -> r.state = r.state == RunStatus.QUEUED ? RunStatus.RUNNING : r.state;
            case STOPPED -> r.state = RunStatus.QUEUED;
            case COMPLETED -> r.state = RunStatus.COMPLETED;
            case FAILED -> {
                r.state = e.parked() ? RunStatus.FAILED : RunStatus.RETRYING;
                r.parked |= e.parked();
            }
            default -> throw new IllegalStateException("unhandled event type " + e.type());
        }
        if (e.reason() != null) {
            r.reason = e.reason();
        }
        r.updated = e.time();
        return this;
    }

    /** The score an epoch's curve shows: the ensemble's validation score, else the first network's. */
    private static double validation(RunEvent e) {
        Map<String, Double> val = e.epochRecord().map(EpochRecord::validation).orElse(Map.of());
        if (val.isEmpty()) {
            return Double.NaN;
        }
        return val.containsKey(SharingGraph.ENSEMBLE) ? val.get(SharingGraph.ENSEMBLE) : val.values().iterator().next();
    }

    /** Folds a result: metrics give the test scores, CKA the heatmaps, an export its files. */
    public ExperimentState apply(ResultMessage m) {
        if (m.payload() instanceof ReportResult report) {
            experiment = m.experiment();
            this.report = new LinkedHashMap<>(report.files());
            this.reportCovers = report.covers();
            return this;
        }
        RunState r = run(m.runId(), m.experiment(), m.variant(), m.seed());
        if (m.payload() instanceof ExportResult export) {
            r.exports.clear();
            export.files().forEach((name, key) -> r.exports.put(name, key.substring(key.indexOf('/') + 1)));
        } else if (m.payload() instanceof CkaResult cka) {
            r.cka = true;
            r.heatmaps.clear();
            cka.pairs().forEach((pair, p) -> r.heatmaps.put(pair, p.heatmap().substring(p.heatmap().indexOf('/') + 1)));
        } else if (m.payload() instanceof RunResult result) {
            r.evaluated = true;
            r.scores.clear();
            result.networks().forEach((node, n) -> {
                if (n.test() != null) {
                    r.scores.put(node, n.test().accuracy());
                    r.metric = "accuracy";
                } else if (n.segmentation() != null) {
                    r.scores.put(node, n.segmentation().iou());
                    r.metric = "iou";
                }
            });
        }
        r.updated = m.time();
        return this;
    }

    /** @return what {@code kdml status}, the status endpoint and the dashboard show */
    public ExperimentStatus status() {
        return ExperimentStatus.of(this);
    }
}
