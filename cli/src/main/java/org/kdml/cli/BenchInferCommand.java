package org.kdml.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.export.Latency;
import org.kdml.core.export.OnnxModels;
import org.kdml.core.export.Quantizer;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Tensors;
import org.kdml.results.CpuFeatures;
import org.kdml.core.train.EngineThreads;
import org.kdml.core.train.RunFiles;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.kdml.results.RunFolder;
import org.kdml.spec.SharingGraph;

/**
 * {@code kdml bench-infer MODEL.onnx [--batch 1] [--threads N] [--json]}: latency of an exported
 * model on ONNX Runtime and, when its run folder is found, of the same network on DJL (the
 * training engine). A measuring instrument, not a test.
 */
@Command(name = "bench-infer", description = "Latency (p50, p95) and images/s of an exported model on ONNX Runtime,"
        + " and of the same network on DJL when its run is under --runs.")
final class BenchInferCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "MODEL", description = "an exported model")
    private Path model;

    @Option(names = "--batch", paramLabel = "N", description = "images per call")
    private int batch = 1;

    @Option(names = "--runs", paramLabel = "DIR", description = "where local runs are (for the DJL comparison)")
    private Path runs = Path.of("runs");

    @Option(names = "--iterations", paramLabel = "N", description = "timed calls (after a fifth as many warm-up calls)")
    private int iterations = 50;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    int run(PrintStream out) throws Exception {
        OptionChecks.atLeast("--batch", batch, 1);
        OptionChecks.atLeast("--iterations", iterations, 1);
        byte[] bytes = Files.readAllBytes(model);
        Map<String, String> meta = OnnxModels.metadata(bytes);
        int side = Integer.parseInt(meta.getOrDefault("kdml.imageSize", "0"));
        if (side <= 0) {
            throw new IllegalArgumentException(model + ": not a kdml export (no kdml.imageSize metadata)");
        }
        int threads = threads() == null ? Runtime.getRuntime().availableProcessors() : threads();
        float[] x = new float[batch * 3 * side * side];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        Latency ort = Latency.of(bytes, side, batch, threads, iterations);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model.toString());
        result.put("batch", batch);
        result.put("threads", threads);
        result.put("cpu", CpuFeatures.current().summary());
        if (meta.containsKey(Quantizer.FORMAT_KEY)) {
            result.put("int8Format", meta.get(Quantizer.FORMAT_KEY));
        }
        result.put("onnxruntime", stats(ort));
        Double[] djl = djl(meta, x, side);
        if (djl != null) {
            double[] v = Arrays.stream(djl).mapToDouble(Double::doubleValue).toArray();
            result.put("djl", stats(Latency.of(v, batch, threads)));
        } else {
            result.put("djl", "run folder not found under " + runs + " (or an ensemble): not measured");
        }
        if (json) {
            out.println(Specs.json().writeValueAsString(result));
        } else {
            result.forEach((k, v) -> out.println(k + ": " + v));
        }
        return 0;
    }

    private Double[] djl(Map<String, String> meta, float[] x, int side) throws Exception {
        String experiment = meta.get("kdml.experiment");
        String runId = meta.get("kdml.runId");
        String node = meta.get("kdml.network");
        if (experiment == null || runId == null || node == null || node.equals(SharingGraph.ENSEMBLE)) {
            return null;
        }
        Path dir = runs.resolve(experiment).resolve(runId);
        if (!RunFolder.hasResult(dir)) {
            return null;
        }
        ExperimentSpec spec = RunFolder.readSpec(dir);
        EngineThreads.noGradOnThisThread();
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task()); NDManager m = NDManager.newBaseManager()) {
            DistillNet net = RunFiles.load(dir, data, m).nets().get(node);
            NDArray in = Tensors.floats(m, x, new Shape(batch, 3, side, side));
            ParameterStore ps = new ParameterStore(m, false);
            Double[] ms = new Double[iterations];
            for (int i = 0; i < Math.max(3, iterations / 5) + iterations; i++) {
                try (NDManager step = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDList y = net.forward(ps, new NDList(in), false);
                    y.get(0).softmax(1).toFloatArray();
                    y.attach(step);
                    int k = i - Math.max(3, iterations / 5);
                    if (k >= 0) {
                        ms[k] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            return ms;
        }
    }

    private static Map<String, Object> stats(Latency l) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("p50Ms", l.p50Ms());
        out.put("p95Ms", l.p95Ms());
        out.put("imagesPerSecond", l.imagesPerSecond());
        return out;
    }
}
