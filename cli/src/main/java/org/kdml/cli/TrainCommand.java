package org.kdml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.core.train.ResultTable;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml train SPEC}: every experiment of a spec in process (no Kafka, no S3), then its table. */
@Command(name = "train", description = "Trains one experiment (every grid point of SPEC) in process, without Kafka"
        + " or S3; results and checkpoints in DIR/EXPERIMENT/RUN-ID/. Run again, it keeps finished runs and resumes"
        + " an interrupted one where its last epoch ended.")
final class TrainCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the spec")
    private Path specFile;

    @Option(names = "--out", paramLabel = "DIR", description = "where results and checkpoints go")
    private Path outDir = Path.of("runs");

    @Option(names = "--fresh", description = "train every run from the start: without it, a run whose folder holds"
            + " a result.json of this code version and thread count is kept, and an interrupted run resumes from its"
            + " last epoch's checkpoint")
    private boolean fresh;

    @Override
    int run(PrintStream out) throws IOException {
        if (!Files.isRegularFile(specFile)) {
            throw new IOException("spec file not found: " + specFile.toAbsolutePath());
        }
        for (ExperimentSpec spec : Specs.grid(Files.readString(specFile), specFile.toString())) {
            trainOne(spec, out);
        }
        return 0;
    }

    private void trainOne(ExperimentSpec spec, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        List<RunResult> results = ExperimentRunner.run(spec, outDir,
                new ConsoleProgress(out, System.console() != null), fresh);
        out.println();
        out.println("Test metrics (" + spec.name() + ", " + spec.dataset().kind() + ", teacher " + spec.teacher()
                + ", students " + spec.students() + "):");
        out.print(ResultTable.render(results));
        out.printf("%nResults and checkpoints: %s (%.1f s in all)%n", outDir.resolve(spec.name()).toAbsolutePath(),
                (System.nanoTime() - t0) / 1e9);
    }
}
