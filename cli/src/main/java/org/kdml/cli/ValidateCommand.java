package org.kdml.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.Split;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kdml validate SPEC [--spec-only]}: checks a spec without training, opens its data set and
 * prints its classes with the count per class in each split, and lists its runs with their ids and
 * edges.
 */
@Command(name = "validate", description = "Checks a spec (architectures, shapes of feature edges too), opens its data"
        + " (classes and images per class per split) and lists its runs with their ids and edges.")
final class ValidateCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the spec")
    private Path file;

    @Option(names = "--spec-only", description = "check the spec without opening its data (by default the data set"
            + " is opened, every image decoded once, and its classes and split sizes printed)")
    private boolean specOnly;

    @Override
    int run(PrintStream out) throws Exception {
        List<ExperimentSpec> points = Specs.grid(Files.readString(file), file.toString());
        ExperimentRunner.validate(points.get(0));
        if (!specOnly) {
            printData(points.get(0), out);
        }
        for (ExperimentSpec spec : points) {
            Specs.runs(spec).forEach(r -> out.printf("%s %s %s seed %d edges %s%n", r.runId(), spec.name(),
                    r.variant().key(), r.seed(), r.variant().graph().edges()));
        }
        return 0;
    }

    /**
     * Opens the spec's data set (every image decoded once, so a bad file fails here, named) and prints
     * its classes with the count per class in each split of the first seed.
     */
    static void printData(ExperimentSpec spec, PrintStream out) throws Exception {
        DatasetSpec d = spec.dataset();
        try (DiskImages data = Datasets.open(d, spec.task())) {
            Split split = Split.of(data, d.trainFraction(), d.valFraction(), spec.seeds().get(0));
            out.printf("data: %s%s, %d images, %d classes, %s split%s%n", d.kind(), d.root() == null ? "" : " "
                    + d.root(), data.size(), data.classes(), Split.splitting(data).key(), data.splitNote() == null ? ""
                    : " (" + data.splitNote() + ")");
            if (!data.skipped().isEmpty()) {
                out.println("skipped " + data.skipped().size() + " bad item(s): " + data.skipped());
            }
            int width = Math.max(5, data.classNames().stream().mapToInt(String::length).max().orElse(5));
            out.printf("  %-" + width + "s %7s %7s %7s%n", "class", "train", "val", "test");
            List<List<Integer>> parts = List.of(split.train(), split.val(), split.test());
            for (int c = 0; c < data.classes(); c++) {
                int[] n = new int[3];
                for (int k = 0; k < 3; k++) {
                    for (int i : parts.get(k)) {
                        n[k] += data.label(i) == c ? 1 : 0;
                    }
                }
                out.printf("  %-" + width + "s %7d %7d %7d%n", data.classNames().get(c), n[0], n[1], n[2]);
            }
        }
    }
}
