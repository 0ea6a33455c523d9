package org.kdml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.export.Int8Format;
import org.kdml.core.export.ModelExport;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.kdml.results.RunFolder;

/**
 * {@code kdml export RUN [--network s1|s2|teacher|ensemble] [--int8] [--out DIR]}: a run's network
 * for deployment. RUN is a local run folder, a run id under {@code runs/}, or a run id of a running
 * stack (its result from {@code kdml.results}, its final checkpoint from S3).
 */
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

    @Option(names = "--runs", paramLabel = "DIR", description = "where local runs are (a run found only on the"
            + " stack is fetched into DIR/<experiment>/<run-id>/)")
    private Path runs = Path.of("runs");

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka, for a run that is not local")
    private String bootstrap = PipelineConfig.DEFAULT_BOOTSTRAP;

    @Option(names = "--s3", paramLabel = "URL", description = "S3, for a run that is not local")
    private String s3 = PipelineConfig.DEFAULT_S3;

    @Option(names = "--latency-threads", paramLabel = "N", description = "ONNX Runtime threads for the latency figures")
    private int latencyThreads = 1;

    @Option(names = "--latency-runs", paramLabel = "N", description = "timed batch-1 runs per latency figure")
    private int latencyRuns = 50;

    @Option(names = "--int8-format", paramLabel = "FORMAT", description = "u8s7 (default: 7-bit weights, no"
            + " saturation on any x86-64 CPU) or u8s8 (full 8-bit weights, for CPUs with VNNI or ARM)")
    private String int8Format = Int8Format.U8S7.key();

    @Option(names = "--calibration-images", paramLabel = "N", description = "validation images for int8 ranges")
    private int calibrationImages = 256;

    @Override
    int run(PrintStream out) throws Exception {
        Path dir = local(run, runs);
        if (dir == null) {
            dir = fetch(run);
        }
        Path target = this.out != null ? this.out : dir.resolve("export-" + network);
        Map<String, Object> card = ModelExport.export(dir, new ModelExport.Options(network, int8, target,
                latencyThreads, latencyRuns, calibrationImages, Int8Format.of(int8Format)));
        out.println("exported " + network + " of " + dir + " to " + target.toAbsolutePath());
        try (Stream<Path> s = Files.list(target)) {
            s.sorted().forEach(f -> out.println("  " + f.getFileName()));
        }
        JsonNode c = Specs.json().valueToTree(card);
        String metric = c.at("/metrics/onnxRuntime/accuracy").isMissingNode() ? "iou" : "accuracy";
        out.printf(Locale.ROOT, "test %s (ONNX Runtime) %.4f; max |ONNX Runtime - kdml| %.2g; batch-1 p50 %.3f ms%n",
                metric, c.at("/metrics/onnxRuntime/" + metric).asDouble(),
                c.at("/fidelity/maxAbsDifferenceOnnxVsKdml").asDouble(), c.at("/latencyBatch1/fp32/p50Ms").asDouble());
        if (c.has("int8")) {
            out.printf(Locale.ROOT, "int8 (%s): test %s %.4f (%+.4f, 95%% interval %+.4f to %+.4f), agreement with FP32"
                    + " %.4f on %d images, goal %s, batch-1 p50 %.3f ms%n", c.at("/int8/format").asText(), metric,
                    c.at("/int8/metrics/" + metric).asDouble(), c.at("/int8/primaryMetricChange").asDouble(),
                    c.at("/int8/check/changeInterval95/0").asDouble(), c.at("/int8/check/changeInterval95/1").asDouble(),
                    c.at("/int8/agreementWithFp32").asDouble(), c.at("/int8/check/images").asInt(),
                    c.at("/int8/check/meetsGoal").asBoolean() ? "met" : "not met",
                    c.at("/latencyBatch1/int8/p50Ms").asDouble());
            out.println("int8 measured on " + c.at("/int8/measuredOn/cpu").asText());
        }
        out.println("model card: " + target.resolve("model-card.md").toAbsolutePath());
        return card.isEmpty() ? 1 : 0;
    }

    /** A run folder given as a path, or a run id under {@code runs/<experiment>/}; null when neither. */
    static Path local(String run, Path runs) throws IOException {
        Path given = Path.of(run);
        if (RunFolder.hasResult(given)) {
            return given;
        }
        if (Files.isDirectory(runs)) {
            try (Stream<Path> s = Files.list(runs)) {
                List<Path> hits = s.map(e -> e.resolve(run)).filter(d -> RunFolder.hasResult(d)
                        && Files.exists(d.resolve(RunLayout.SPLIT))).toList();
                if (hits.size() == 1) {
                    return hits.get(0);
                }
                if (hits.size() > 1) {
                    throw new IllegalArgumentException("RUN: run id " + run + " is in several experiments: " + hits);
                }
            }
        }
        return null;
    }

    /**
     * A run of a stack: its evaluated result from {@code kdml.results} and its final checkpoint from
     * S3, kept under {@code runs/<experiment>/<run-id>/}.
     */
    private Path fetch(String run) throws Exception {
        PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), Files.createTempDirectory("kdml-"));
        Path dir;
        try {
            dir = CollectedResults.runFromStack(config, run, runs);
        } catch (RuntimeException e) {
            dir = null;
        }
        if (dir == null) {
            throw new IllegalArgumentException("RUN: no finished run '" + run + "': not under "
                    + runs.toAbsolutePath() + "/<experiment>/ and no metrics for it on kdml.results at " + bootstrap);
        }
        return dir;
    }
}
