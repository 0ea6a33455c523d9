package org.kdml.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.kdml.results.CkaResult;
import org.kdml.results.RunResult;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * The one writer of a local run folder from what a stack holds of a run: its evaluated result
 * (the {@code metrics} payload on {@code kdml.results}), its spec, the evaluator's hardest test
 * images and the analyzer's CKA matrices and heatmaps from S3, under the names of
 * {@link RunLayout}, so that a report reads it as it reads a folder {@code kdml run} wrote.
 */
public final class RunFolders {

    private RunFolders() {
    }

    /**
     * Writes the run folder {@code outDir/EXPERIMENT/RUN} of {@code result}.
     *
     * @param result the {@code metrics} payload (the run's full result)
     * @param cka the {@code cka} payload, or null
     * @param specJson the canonical spec, or null to leave it out
     * @return the folder
     */
    public static Path write(CheckpointStore store, String experiment, String runId, RunResult result, CkaResult cka,
            String specJson, Path outDir) throws Exception {
        Path dir = outDir.resolve(experiment).resolve(runId);
        Files.createDirectories(dir);
        RunKeys keys = new RunKeys(experiment, runId);
        Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.RESULT).toFile(), result);
        if (specJson != null) {
            Files.writeString(dir.resolve(RunLayout.SPEC), specJson);
        }
        byte[] hardest = store.getBytes(keys.hardest());
        if (hardest != null) {
            Files.write(dir.resolve(RunLayout.HARDEST), hardest);
        }
        byte[] predictions = store.getBytes(keys.predictions());
        if (predictions != null) {
            Files.write(dir.resolve(RunLayout.PREDICTIONS), predictions);
        }
        if (cka != null) {
            Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.CKA).toFile(), cka);
            for (Map.Entry<String, CkaResult.Pair> e : cka.pairs().entrySet()) {
                String location = e.getValue().heatmap();
                byte[] png = store.getBytes(location.substring(location.indexOf('/') + 1));
                if (png != null) {
                    Files.write(dir.resolve(RunLayout.heatmap(e.getKey())), png);
                }
            }
        }
        return dir;
    }
}
