package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.oneOf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdml.core.data.DatasetKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdml make-data}: generated data in a real data set's published layout, to try the
 * loaders or to benchmark them ({@code kdml bench-data}).
 */
@Command(name = "make-data", description = "Writes generated data in a data set's published layout, to try the"
        + " loaders or benchmark them.")
final class MakeDataCommand extends KdmlCommand {

    /** The data sets with a published layout, by key ({@link DatasetKind#layouts()}). */
    static final List<String> KINDS = DatasetKind.keys(DatasetKind.layouts());

    @Option(names = "--kind", required = true, paramLabel = "KIND", description = "one of ${COMPLETION-CANDIDATES}"
            + " (the published layouts of kdml's data set registry, DatasetKind)",
            completionCandidates = LayoutKeys.class)
    private String kind;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the data go")
    private Path dir;

    @Option(names = "--samples", paramLabel = "N", description = "about how many images")
    private int samples = 2000;

    @Override
    int run(PrintStream out) throws IOException {
        oneOf("--kind", "data set", kind, KINDS);
        atLeast("--samples", samples, 1);
        long t0 = System.nanoTime();
        DatasetKind.byKey(kind).writeSample(dir, samples);
        out.printf("wrote generated %s data to %s in %.1f s%n", kind, dir.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The layout keys, for picocli's help and completion. */
    static final class LayoutKeys extends ArrayList<String> {
        LayoutKeys() {
            super(KINDS);
        }
    }
}
