package org.kdml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.export.ModelExport;
import org.kdml.core.train.RunFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml export RUN [--network s1|s2|teacher|ensemble] [--int8] [--out DIR]}: a run's network for deployment. */
@Command(name = "export", description = "A finished run's network as model.onnx (FP32, batch norm folded,"
        + " normalisation inside), optionally model-int8.onnx (static QDQ quantisation), weights.npz (a PyTorch"
        + " state_dict) and a model card of measured numbers.")
final class ExportCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "RUN", description = "a run id (looked up in --runs) or a run folder")
    private String run;

    @Option(names = "--network", paramLabel = "NODE", description = "s1, s2, ..., teacher or ensemble")
    private String network = "s1";

    @Option(names = "--int8", description = "also write model-int8.onnx, calibrated on the validation split")
    private boolean int8;

    @Option(names = "--out", paramLabel = "DIR", description = "where the files go (default: RUNDIR/export-NODE)")
    private Path out;

    @Option(names = "--runs", paramLabel = "DIR", description = "where local runs are")
    private Path runs = Path.of("runs");

    @Option(names = "--latency-threads", paramLabel = "N", description = "ONNX Runtime threads for the latency figures")
    private int latencyThreads = 1;

    @Option(names = "--latency-runs", paramLabel = "N", description = "timed batch-1 runs per latency figure")
    private int latencyRuns = 50;

    @Option(names = "--calibration-images", paramLabel = "N", description = "validation images for int8 ranges")
    private int calibrationImages = 256;

    @Override
    int run(PrintStream out) throws Exception {
        Path dir = find(run, runs);
        Path target = this.out != null ? this.out : dir.resolve("export-" + network);
        Map<String, Object> card = ModelExport.export(dir, new ModelExport.Options(network, int8, target,
                latencyThreads, latencyRuns, calibrationImages));
        out.println("exported " + network + " of " + dir + " to " + target.toAbsolutePath());
        try (Stream<Path> s = Files.list(target)) {
            s.sorted().forEach(f -> out.println("  " + f.getFileName()));
        }
        out.println(Files.readString(target.resolve("model-card.md")).lines().filter(l -> l.contains("accuracy")
                || l.contains("iou") || l.contains("p50Ms") || l.contains("agreementWithFp32")).limit(12)
                .reduce("", (a, b) -> a + b + "\n"));
        return card.isEmpty() ? 1 : 0;
    }

    /** A run folder given as a path, or a run id under {@code runs/<experiment>/}. */
    static Path find(String run, Path runs) throws IOException {
        Path given = Path.of(run);
        if (RunFiles.hasResult(given)) {
            return given;
        }
        if (Files.isDirectory(runs)) {
            try (Stream<Path> s = Files.list(runs)) {
                List<Path> hits = s.map(e -> e.resolve(run)).filter(RunFiles::hasResult).toList();
                if (hits.size() == 1) {
                    return hits.get(0);
                }
                if (hits.size() > 1) {
                    throw new IllegalArgumentException("RUN: run id " + run + " is in several experiments: " + hits);
                }
            }
        }
        throw new IllegalArgumentException("RUN: no finished run '" + run + "' (a folder with result.json, or a run id"
                + " under " + runs.toAbsolutePath() + "/<experiment>/)");
    }
}
