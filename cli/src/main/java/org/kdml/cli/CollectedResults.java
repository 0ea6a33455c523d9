package org.kdml.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.results.CkaResult;
import org.kdml.results.RunResult;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunFolders;
import org.kdml.pipeline.RunKeys;

/**
 * An experiment's results as {@code kdml run} read them from {@code kdml.results}: the metrics in
 * run order, how many CKA payloads and duplicates arrived, and the evaluator's and analyzer's
 * seconds.
 */
record CollectedResults(List<RunResult> results, int cka, int duplicates, double ckaSeconds,
        double evaluationSeconds) {

    /** Reads the experiment's results from the topic and keeps them under {@code outDir} for {@code kdml report}. */
    static CollectedResults collect(PipelineConfig config, ExperimentSpec spec, List<RunSpec> runs, Path outDir)
            throws Exception {
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            order.put(runs.get(i).runId(), i);
        }
        Map<String, RunResult> metrics = new LinkedHashMap<>();
        Map<String, CkaResult> cka = new LinkedHashMap<>();
        int duplicates = 0;
        double ckaSeconds = 0;
        double evaluationSeconds = 0;
        for (ResultMessage m : Clients.values(config.bootstrap(), Topics.RESULTS, Duration.ofMinutes(2))) {
            if (!m.experiment().equals(spec.name()) || !order.containsKey(m.runId())) {
                continue;
            }
            if (m.payload() instanceof RunResult result) {
                duplicates += metrics.put(m.runId(), result) == null ? 0 : 1;
                evaluationSeconds += m.seconds() == null ? 0 : m.seconds();
            } else if (m.payload() instanceof CkaResult c) {
                duplicates += cka.put(m.runId(), c) == null ? 0 : 1;
                ckaSeconds += m.seconds() == null ? c.seconds() : m.seconds();
            }
        }
        keep(config, spec.name(), Specs.canonicalJson(spec), metrics.values(), cka, outDir, true);
        List<RunResult> list = new ArrayList<>(metrics.values());
        list.sort((a, b) -> Integer.compare(order.get(a.runId()), order.get(b.runId())));
        return new CollectedResults(list, cka.size(), duplicates, ckaSeconds, evaluationSeconds);
    }

    /**
     * Writes each run's final checkpoint (weights, split), result, spec, hardest examples and CKA
     * (JSON and heatmaps) to {@code outDir/EXPERIMENT/RUN}.
     */
    /**
     * An experiment's results as a stack holds them, for {@code kdml report} of an experiment that
     * was submitted to the stack rather than run here: the newest metrics and CKA of each of its runs
     * from {@code kdml.results}, kept under {@code outDir/EXPERIMENT/RUN} with the hardest examples
     * and CKA heatmaps from S3 (not the checkpoints: a report needs no weights).
     *
     * @return the runs found
     * @throws IllegalArgumentException naming the experiment and the broker when it has no metrics there
     */
    static int fromStack(PipelineConfig config, String experiment, Path outDir) throws Exception {
        Map<String, RunResult> metrics = new LinkedHashMap<>();
        Map<String, CkaResult> cka = new LinkedHashMap<>();
        for (ResultMessage m : Clients.values(config.bootstrap(), Topics.RESULTS, Duration.ofSeconds(30))) {
            if (!m.experiment().equals(experiment)) {
                continue;
            }
            if (m.payload() instanceof RunResult result) {
                metrics.put(m.runId(), result);
            } else if (m.payload() instanceof CkaResult c) {
                cka.put(m.runId(), c);
            }
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("EXPERIMENT: no metrics of '" + experiment + "' on kdml.results at "
                    + config.bootstrap());
        }
        keep(config, experiment, null, metrics.values(), cka, outDir, false);
        return metrics.size();
    }

    /**
     * One finished run of a stack, for {@code kdml export}: its newest metrics from
     * {@code kdml.results} and its final checkpoint from S3, kept under {@code outDir/EXPERIMENT/RUN}.
     *
     * @return the run folder, or null when the broker has no metrics of {@code runId}
     */
    static Path runFromStack(PipelineConfig config, String runId, Path outDir) throws Exception {
        ResultMessage result = Clients.values(config.bootstrap(), Topics.RESULTS, Duration.ofSeconds(30)).stream()
                .filter(m -> m.kind() == ResultKind.METRICS && m.runId().equals(runId)).reduce((a, b) -> b)
                .orElse(null);
        if (result == null) {
            return null;
        }
        keep(config, result.experiment(), null, List.of(result.payload(RunResult.class)), Map.of(), outDir, true);
        return outDir.resolve(result.experiment()).resolve(runId);
    }

    private static void keep(PipelineConfig config, String experiment, String specJson, Collection<RunResult> results,
            Map<String, CkaResult> cka, Path outDir, boolean checkpoints) throws Exception {
        try (CheckpointStore store = new CheckpointStore(config, Duration.ofMinutes(1))) {
            for (RunResult r : results) {
                if (checkpoints) {
                    // The final checkpoint's weights and split, so that kdml export and evaluate work on the
                    // local folder once the stack is gone; then the evaluated result over its training result.
                    Path dir = Files.createDirectories(outDir.resolve(experiment).resolve(r.runId()));
                    store.get(new RunKeys(experiment, r.runId()).finalCheckpoint(), dir);
                    Files.deleteIfExists(dir.resolve(Manifest.FILE));
                }
                RunFolders.write(store, experiment, r.runId(), r, cka.get(r.runId()), specJson,
                        outDir);
            }
        }
    }

    /** Where a run's time went, summed over the experiment's runs, from the completion events. */
    String breakdown(PipelineConfig config, String experiment) {
        Map<String, Double> sums = new LinkedHashMap<>();
        int n = 0;
        for (RunEvent e : Clients.values(config.bootstrap(), Topics.EVENTS, Duration.ofMinutes(1))) {
            if (experiment.equals(e.experiment()) && e.type() == EventType.COMPLETED && e.metrics() != null) {
                n++;
                Map<String, Double> timings = e.timings();
                for (String k : List.of("attemptSeconds", "trainSeconds", "checkpointWaitSeconds",
                        "checkpointUploadSeconds", "finalUploadSeconds", "dataOpenSeconds")) {
                    sums.merge(k, timings.getOrDefault(k, 0.0), Double::sum);
                }
            }
        }
        double attempt = sums.getOrDefault("attemptSeconds", 0.0);
        double train = sums.getOrDefault("trainSeconds", 0.0);
        double waited = sums.getOrDefault("checkpointWaitSeconds", 0.0);
        double upload = sums.getOrDefault("finalUploadSeconds", 0.0);
        double open = sums.getOrDefault("dataOpenSeconds", 0.0);
        return String.format("Worker time over %d completions: %.1f s, of which training %.1f s (%.1f%%), waiting on"
                + " checkpoint uploads %.1f s, final upload %.1f s, data open %.1f s, other %.1f s; checkpoint uploads"
                + " in the background %.1f s; evaluation %.1f s, CKA %.1f s (evaluator and analyzer, beside training)",
                n, attempt, train, attempt > 0 ? 100 * train / attempt : 0, waited, upload, open,
                attempt - train - waited - upload - open, sums.getOrDefault("checkpointUploadSeconds", 0.0),
                evaluationSeconds, ckaSeconds);
    }
}
