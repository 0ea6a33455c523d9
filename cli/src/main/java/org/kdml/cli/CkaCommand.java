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
import org.kdml.core.cka.RunCka;
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
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            RunCka.Analysis a = RunCka.analyze(dir, data, sample, batch, dir);
            Map<String, Object> summary = new LinkedHashMap<>();
            for (Map.Entry<String, LayerCka> e : a.matrices().entrySet()) {
                LayerCka m = e.getValue();
                summary.put("cka-" + e.getKey(), m);
                out.printf("cka-%s: %dx%d layers, CKA of the last layers %.3f -> %s%n", e.getKey(), m.rows().size(),
                        m.cols().size(), m.values()[m.rows().size() - 1][m.cols().size() - 1],
                        a.heatmaps().get(e.getKey()));
            }
            summary.put("examples", a.examples());
            summary.put("seconds", a.seconds());
            Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("cka.json").toFile(), summary);
            out.printf("%d test examples, %d pairs, %.1f s (%.1f examples/s per pair)%n", a.examples(),
                    a.matrices().size(), a.seconds(), a.examples() * a.matrices().size() / a.seconds());
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
