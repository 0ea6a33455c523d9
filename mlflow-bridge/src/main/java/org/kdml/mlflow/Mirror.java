package org.kdml.mlflow;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kdml.mlflow.MlflowClient.Entry;
import org.kdml.mlflow.MlflowClient.Metric;
import org.kdml.mlflow.MlflowClient.RunView;
import org.kdml.mlflow.MlflowRecords.KnownRun;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.results.ReportResult;

/**
 * Applies kdml messages to an MLflow tracking server so that applying one twice adds nothing:
 * <ul>
 *   <li>the experiment is looked up by name and the run by its {@code kdml.run_id} tag before
 *       either is created;</li>
 *   <li>a metric is sent only when its step is above the newest step MLflow holds for its key
 *       (read once per run from {@code runs/get}, then kept here), with the message's own time as
 *       its timestamp, so the values sent again after a restart are the ones MLflow lacks;</li>
 *   <li>params are written once: one MLflow already holds is never sent again, with any value;</li>
 *   <li>a tag is sent when its value differs; a status when it changes.</li>
 * </ul>
 * After a failed call the run's cached state is dropped, so the next try reads it again (a batch
 * the server partly wrote is then completed, not repeated).
 */
final class Mirror {

    /** The prefix of the experiment tags that link its report's files. */
    static final String REPORT_TAG = "kdml.report.";

    /** What MLflow holds of one run, as far as the bridge knows. */
    private static final class State {
        private String status;
        private final Map<String, Long> steps = new HashMap<>();
        private final Map<String, String> params = new HashMap<>();
        private final Map<String, String> tags = new HashMap<>();
    }

    private final MlflowClient client;
    private final String bucket;
    private final Map<String, String> experiments = new HashMap<>();
    private final Map<String, String> runs = new HashMap<>();
    private final Map<String, State> states = new HashMap<>();

    /** @param bucket the checkpoint bucket, for the {@code s3://} links */
    Mirror(MlflowClient client, String bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /** Mirrors a lifecycle event: epoch metrics, tags, the final status. */
    void event(RunEvent event, KnownRun run) throws IOException, InterruptedException {
        String id = run(run, event.time());
        try {
            State s = state(id);
            log(id, s, run, MlflowRecords.epoch(event, run), MlflowRecords.tags(event, run.keys(), bucket));
            String status = MlflowRecords.finalStatus(event);
            if (status != null && !status.equals(s.status)) {
                client.updateRun(id, status, event.time());
                s.status = status;
            }
        } catch (IOException | RuntimeException e) {
            states.remove(id);
            throw e;
        }
    }

    /** Mirrors a result: test metrics and the epoch history ({@code metrics}), and links to its files. */
    void result(ResultMessage result, KnownRun run) throws IOException, InterruptedException {
        String id = run(run, result.time());
        try {
            List<Metric> metrics = new ArrayList<>();
            if (result.kind() == ResultKind.METRICS) {
                metrics.addAll(MlflowRecords.history(result, run));
                metrics.addAll(MlflowRecords.test(result));
            }
            log(id, state(id), run, metrics, MlflowRecords.links(result, run.keys(), bucket));
        } catch (IOException | RuntimeException e) {
            states.remove(id);
            throw e;
        }
    }

    /**
     * Mirrors an experiment's report (a {@code report} result, keyed by the experiment): a tag
     * {@code kdml.report.<file>} = {@code s3://bucket/key} on the MLflow experiment per file
     * ({@code report.html}, {@code report.md}, {@code report.csv}, …); setting a tag again adds nothing.
     */
    void report(ResultMessage report) throws IOException, InterruptedException {
        String id = experiment(report.experiment());
        ReportResult payload = report.payload(ReportResult.class);
        for (Map.Entry<String, String> f : payload.files().entrySet()) {
            if (!f.getKey().endsWith(".png")) {
                client.setExperimentTag(id, REPORT_TAG + f.getKey(), "s3://" + f.getValue());
            }
        }
    }

    /** Sends what MLflow lacks of {@code metrics}, the run's params and {@code tags}, then remembers it. */
    private void log(String id, State s, KnownRun run, List<Metric> metrics, List<Entry> tags)
            throws IOException, InterruptedException {
        Map<String, Long> steps = new HashMap<>(s.steps);
        List<Metric> newMetrics = new ArrayList<>();
        for (Metric m : metrics.stream().sorted(Comparator.comparingLong(Metric::step)).toList()) {
            if (m.step() > steps.getOrDefault(m.key(), -1L)) {
                newMetrics.add(m);
                steps.put(m.key(), m.step());
            }
        }
        List<Entry> newParams = new ArrayList<>();
        for (Entry p : MlflowRecords.params(run.message().spec())) {
            String held = s.params.get(p.key());
            if (held == null) {
                newParams.add(p);
            } else if (!held.equals(p.value())) {
                // MLflow refuses a changed param; the first value stays (a run's spec does not change).
                System.err.println("mlflow-bridge: run " + run.message().runId() + ": param " + p.key()
                        + " is '" + held + "' in MLflow and '" + p.value() + "' now; keeping the first");
            }
        }
        List<Entry> newTags = tags.stream().filter(t -> !t.value().equals(s.tags.get(t.key()))).toList();
        if (newMetrics.isEmpty() && newParams.isEmpty() && newTags.isEmpty()) {
            return;
        }
        client.logBatch(id, newMetrics, newParams, newTags);
        s.steps.putAll(steps);
        newParams.forEach(p -> s.params.put(p.key(), p.value()));
        newTags.forEach(t -> s.tags.put(t.key(), t.value()));
    }

    private State state(String id) throws IOException, InterruptedException {
        State s = states.get(id);
        if (s == null) {
            RunView v = client.run(id);
            State fresh = new State();
            fresh.status = v.status();
            v.latest().forEach((k, m) -> fresh.steps.put(k, m.step()));
            fresh.params.putAll(v.params());
            fresh.tags.putAll(v.tags());
            states.put(id, fresh);
            s = fresh;
        }
        return s;
    }

    /** @return the MLflow run of {@code run}: found by its tag, or created (with its tags) */
    private String run(KnownRun run, long time) throws IOException, InterruptedException {
        String runId = run.message().runId();
        String id = runs.get(runId);
        if (id == null) {
            String experiment = experiment(run.message().experiment());
            id = client.runByTag(experiment, MlflowRecords.RUN_ID_TAG, runId).orElse(null);
            if (id == null) {
                id = client.createRun(experiment, MlflowRecords.runName(run.message()), time,
                        MlflowRecords.runTags(run.message()));
            }
            runs.put(runId, id);
        }
        return id;
    }

    private String experiment(String name) throws IOException, InterruptedException {
        String id = experiments.get(name);
        if (id == null) {
            id = client.experimentByName(name).orElse(null);
            if (id == null) {
                try {
                    id = client.createExperiment(name);
                } catch (MlflowRejectedException e) {
                    if (!MlflowClient.RESOURCE_ALREADY_EXISTS.equals(e.errorCode())) {
                        throw e;
                    }
                    id = client.experimentByName(name).orElseThrow(() -> e);
                }
            }
            experiments.put(name, id);
        }
        return id;
    }
}
