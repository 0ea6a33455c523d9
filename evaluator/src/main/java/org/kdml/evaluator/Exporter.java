package org.kdml.evaluator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.export.ModelExport;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.RunKeys;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.ExportSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.results.RunFolder;
import java.util.LinkedHashMap;
import org.kdml.results.ExportResult;

/**
 * The evaluator's export step, for completed runs of specs with {@code export:}: {@code kdml
 * export} of the network the spec names (the model, optionally int8, the weights and the model
 * card), stored in S3 under the run's {@code export/}; the evaluator publishes it as
 * {@code export} on {@code kdml.results} (each file's key and the card) in the transaction of its
 * metrics. Runs of specs without {@code export:} give nothing.
 */
final class Exporter {

    /** Timed batch-1 calls per latency figure of the card. */
    static final int LATENCY_RUNS = 20;

    private Exporter() {
    }

    /**
     * Exports the run in {@code runDir} (its final checkpoint with the evaluated {@code result.json}).
     *
     * @return the payload of the {@code export} result, or null when the spec asks for none
     */
    static ExportResult export(ExperimentSpec spec, Path runDir, CheckpointStore store, RunKeys keys) throws Exception {
        ExportSpec export = spec.export();
        if (export == null) {
            return null;
        }
        String network = network(export.network(), RunFolder.readResult(runDir).networks().keySet().stream()
                .filter(SharingGraph::isStudent).count(), spec.teacher() != null);
        if (network == null) {
            return null;
        }
        Path out = runDir.resolve("export");
        Map<String, Object> card = ModelExport.export(runDir, new ModelExport.Options(network, export.int8(), out, 1,
                LATENCY_RUNS, 256));
        Map<String, String> files = new LinkedHashMap<>();
        List<Path> written;
        try (Stream<Path> s = Files.list(out)) {
            written = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : written) {
            String key = keys.export(f.getFileName().toString());
            store.putBytes(key, Files.readAllBytes(f));
            files.put(f.getFileName().toString(), store.bucket() + "/" + key);
        }
        return new ExportResult(network, files, card);
    }

    /** The network to export of a run with {@code students} students: s1 for an ensemble of one. */
    static String network(String asked, long students, boolean teacher) {
        if (asked.equals(SharingGraph.ENSEMBLE)) {
            return students > 1 ? SharingGraph.ENSEMBLE : "s1";
        }
        if (asked.equals(SharingGraph.TEACHER)) {
            return teacher ? asked : null;
        }
        return Integer.parseInt(asked.substring(1)) <= students ? asked : null;
    }
}
