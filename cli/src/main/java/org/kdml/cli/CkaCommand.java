package org.kdml.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.cka.Cka;
import org.kdml.core.cka.CkaResult;
import org.kdml.core.cka.CkaValue;
import org.kdml.core.cka.LayerCka;
import org.kdml.core.cka.Npy;
import org.kdml.core.cka.RunCka;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * {@code kdml cka}: CKA between two {@code .npy} activation matrices, or the layer-by-layer CKA
 * heatmaps (teacher×S1, teacher×S2, S1×S2) of a finished local run. An undefined CKA (a constant
 * representation) is printed as null (JSON) or {@code undefined}, with the reason, never as NaN.
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
        Map<String, CkaValue> values = new LinkedHashMap<>();
        values.put("linear", Cka.linear(a, b));
        if (minibatch != null) {
            values.put("minibatch", Cka.minibatch(a, b, Integer.parseInt(minibatch)));
        }
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            Map<String, String> undefined = new LinkedHashMap<>();
            values.forEach((k, v) -> {
                r.put(k, v.orNull());
                if (!v.defined()) {
                    undefined.put(k, v.undefinedReason());
                }
            });
            r.put("undefined", undefined);
            out.println(Specs.json().writeValueAsString(r));
        } else {
            values.forEach((k, v) -> out.printf("%-10s %s%n", k, v));
        }
        return 0;
    }

    private static int heatmaps(Path runs, String runId, int sample, int batch, PrintStream out) throws Exception {
        Path dir;
        try (Stream<Path> s = Files.walk(runs, 2)) {
            dir = s.filter(p -> p.getFileName().toString().equals(runId) && Files.isDirectory(p)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--run: no run " + runId + " under " + runs));
        }
        Path specFile = dir.resolve(RunLayout.SPEC);
        if (!Files.isRegularFile(specFile)) {
            throw new IllegalArgumentException(dir + ": no " + RunLayout.SPEC + " (trained by an older kdml?)");
        }
        ExperimentSpec spec = Specs.parse(Files.readString(specFile), specFile.toString());
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            RunCka.Analysis a = RunCka.analyze(dir, data, sample, batch, dir);
            for (Map.Entry<String, LayerCka> e : a.matrices().entrySet()) {
                LayerCka m = e.getValue();
                out.printf("cka-%s: %dx%d layers (%d cells undefined), CKA of the last layers %s -> %s%n", e.getKey(),
                        m.rows().size(), m.cols().size(), m.undefined().size(),
                        m.at(m.rows().size() - 1, m.cols().size() - 1), a.heatmaps().get(e.getKey()));
            }
            Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.CKA).toFile(),
                    CkaResult.of(a, batch, RunLayout::heatmap));
            out.printf("%d test examples, %d pairs, %.1f s (%.1f examples/s per pair)%n", a.examples(),
                    a.matrices().size(), a.seconds(), a.examples() * a.matrices().size() / a.seconds());
            return 0;
        }
    }
}
