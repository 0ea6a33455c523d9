package org.kdml.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.cka.Cka;
import org.kdml.core.cka.Heatmap;
import org.kdml.core.cka.LayerCka;
import org.kdml.core.cka.Npy;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.Normalization;
import org.kdml.core.model.DistillNet;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Variant;

/**
 * {@code kdml cka}: CKA between two {@code .npy} activation matrices, or the layer-by-layer CKA
 * heatmaps (teacher×S1, teacher×S2, S1×S2) of a finished local run.
 */
final class CkaCommand {

    private CkaCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        String x = Kdml.option(args, "--x", null);
        String y = Kdml.option(args, "--y", null);
        String runId = Kdml.option(args, "--run", null);
        String minibatch = Kdml.option(args, "--minibatch", null);
        Path runs = Path.of(Kdml.option(args, "--out", "runs"));
        int sample = Integer.parseInt(Kdml.option(args, "--sample", "512"));
        int batch = Integer.parseInt(Kdml.option(args, "--batch", "64"));
        boolean json = args.remove("--json");
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        if (runId != null) {
            return heatmaps(runs, runId, sample, batch, out);
        }
        if (x == null || y == null) {
            throw new IllegalArgumentException("usage: kdml cka --x A.npy --y B.npy [--minibatch N] [--json]"
                    + " | kdml cka --run RUN_ID [--out runs] [--sample 512] [--batch 64]");
        }
        Npy.Matrix a = Npy.read(Path.of(x));
        Npy.Matrix b = Npy.read(Path.of(y));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("linear", Cka.linear(a, b));
        if (minibatch != null) {
            r.put("minibatch", Cka.minibatch(a, b, Integer.parseInt(minibatch)));
        }
        if (json) {
            out.println(Specs.json().writeValueAsString(r));
        } else {
            r.forEach((k, v) -> out.printf("%-10s %.6f%n", k, (Double) v));
        }
        return 0;
    }

    private static int heatmaps(Path runs, String runId, int sample, int batch, PrintStream out) throws Exception {
        Path dir;
        try (Stream<Path> s = Files.walk(runs, 2)) {
            dir = s.filter(p -> p.getFileName().toString().equals(runId) && Files.isDirectory(p)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--run: no run " + runId + " under " + runs));
        }
        if (!Files.isRegularFile(dir.resolve("spec.json"))) {
            throw new IllegalArgumentException(dir + ": no spec.json (trained by an older kdml?)");
        }
        ExperimentSpec spec = Specs.parse(Files.readString(dir.resolve("spec.json")), dir.resolve("spec.json").toString());
        JsonNode result = Specs.json().readTree(dir.resolve("result.json").toFile());
        String variantKey = result.get("variant").asText();
        Variant variant = spec.variants().stream().filter(v -> v.key().equals(variantKey)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(dir + ": variant " + variantKey + " is not in its spec"));
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task());
                NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Map<String, DistillNet> nets = NetworkSet.build(spec.task(), spec.teacher(), spec.students(),
                    variant.graph(), "students", data.classes(), data.imageSize(), manager);
            for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
                try (InputStream in = Files.newInputStream(dir.resolve(e.getKey() + ".params"))) {
                    e.getValue().loadParameters(manager, new DataInputStream(in));
                }
            }
            JsonNode norm = result.get("normalization");
            Normalization n = new Normalization(doubles(norm.get("mean")), doubles(norm.get("std")));
            Map<String, Integer> byId = new HashMap<>();
            for (int i = 0; i < data.size(); i++) {
                byId.put(data.id(i), i);
            }
            List<Integer> test = new ArrayList<>();
            Specs.json().readTree(dir.resolve("split.json").toFile()).get("test")
                    .forEach(id -> test.add(byId.get(id.asText())));
            List<Integer> chosen = test.subList(0, Math.min(sample, test.size()));
            int s = data.imageSize();
            int batches = (chosen.size() + batch - 1) / batch;
            List<String[]> pairs = new ArrayList<>();
            List<String> nodes = new ArrayList<>(nets.keySet());
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = i + 1; j < nodes.size(); j++) {
                    pairs.add(new String[] {nodes.get(i), nodes.get(j)});
                }
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            long t0 = System.nanoTime();
            for (String[] pair : pairs) {
                LayerCka m = LayerCka.compute(nets.get(pair[0]), nets.get(pair[1]), batches, (k, mgr) -> {
                    List<Integer> part = chosen.subList(k * batch, Math.min(chosen.size(), (k + 1) * batch));
                    float[] buf = new float[part.size() * 3 * s * s];
                    for (int q = 0; q < part.size(); q++) {
                        n.apply(data.image(part.get(q)), buf, q * 3 * s * s);
                    }
                    NDArray arr = mgr.create(FloatBuffer.wrap(buf), new Shape(part.size(), 3, s, s));
                    return arr;
                }, manager);
                String name = "cka-" + pair[0] + "-" + pair[1];
                Heatmap.write(m, pair[0] + " (" + nets.get(pair[0]).architecture() + ")",
                        pair[1] + " (" + nets.get(pair[1]).architecture() + ")",
                        "CKA " + pair[0] + " x " + pair[1] + " - " + spec.name() + " " + variantKey + " seed "
                                + result.get("seed").asText(), dir.resolve(name + ".png"));
                summary.put(name, m);
                out.printf("%s: %dx%d layers, CKA of the last layers %.3f -> %s%n", name, m.rows().size(),
                        m.cols().size(), m.values()[m.rows().size() - 1][m.cols().size() - 1], dir.resolve(name + ".png"));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            summary.put("examples", chosen.size());
            summary.put("seconds", seconds);
            Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("cka.json").toFile(), summary);
            out.printf("%d test examples, %d pairs, %.1f s (%.1f examples/s per pair)%n", chosen.size(), pairs.size(),
                    seconds, chosen.size() * pairs.size() / seconds);
            return 0;
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }
}
