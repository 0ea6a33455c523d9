package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.cka.Cka;
import org.kdml.core.cka.CkaValue;
import org.kdml.core.cka.LayerCka;
import org.kdml.core.cka.Npy;
import org.kdml.core.cka.RunCka;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.kdml.core.cka.CkaResults;

/**
 * {@code kdml cka}: CKA between two {@code .npy} activation matrices, or the layer-by-layer CKA
 * heatmaps (teacher×S1, teacher×S2, S1×S2) of a finished local run. An undefined CKA (a constant
 * representation) is printed as null (JSON) or {@code undefined}, with the reason, never as NaN.
 */
@Command(name = "cka", description = {"Linear (and minibatch) CKA between two activation matrices (--x, --y),"
        + " or the layer-by-layer CKA heatmaps of a finished run (--run): PNGs and cka.json in the run folder."})
final class CkaCommand extends KdmlCommand {

    @Option(names = "--x", paramLabel = "A.npy", description = "activations, first axis = examples")
    private Path x;

    @Option(names = "--y", paramLabel = "B.npy", description = "activations of the same examples")
    private Path y;

    @Option(names = "--minibatch", paramLabel = "N", description = "also the unbiased minibatch CKA over batches of N")
    private Integer minibatch;

    @Option(names = "--json", description = "print {linear, minibatch, undefined} as JSON")
    private boolean json;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "instead: the heatmaps of this finished run")
    private String runId;

    @Option(names = "--out", paramLabel = "DIR", description = "with --run: where the runs are")
    private Path runs = Path.of("runs");

    @Option(names = "--sample", paramLabel = "N", description = "with --run: test examples read")
    private int sample = 512;

    @Option(names = "--batch", paramLabel = "N", description = "with --run: examples per minibatch")
    private int batch = 64;

    @Override
    int run(PrintStream out) throws Exception {
        if (runId != null) {
            return heatmaps(runs, runId, atLeast("--sample", sample, 1), atLeast("--batch", batch, 1), out);
        }
        if (x == null || y == null) {
            throw new OptionChecks.InvalidOption("--x and --y are required (or --run RUN_ID), got --x " + x + ", --y "
                    + y);
        }
        Npy.Matrix a = Npy.read(x);
        Npy.Matrix b = Npy.read(y);
        Map<String, CkaValue> values = new LinkedHashMap<>();
        values.put("linear", Cka.linear(a, b));
        if (minibatch != null) {
            values.put("minibatch", Cka.minibatch(a, b, atLeast("--minibatch", minibatch, 1)));
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
                    CkaResults.of(a, batch, RunLayout::heatmap));
            out.printf("%d test examples, %d pairs, %.1f s (%.1f examples/s per pair)%n", a.examples(),
                    a.matrices().size(), a.seconds(), a.examples() * a.matrices().size() / a.seconds());
            return 0;
        }
    }
}
