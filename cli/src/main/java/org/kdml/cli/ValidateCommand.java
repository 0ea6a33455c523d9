package org.kdml.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kdml validate SPEC}: checks a spec without training and lists its runs with their ids and edges. */
@Command(name = "validate", description = "Checks a spec (architectures, shapes of feature edges too) and lists its"
        + " runs with their ids and edges.")
final class ValidateCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the spec")
    private Path file;

    @Override
    int run(PrintStream out) throws Exception {
        List<ExperimentSpec> points = Specs.grid(Files.readString(file), file.toString());
        ExperimentRunner.validate(points.get(0));
        for (ExperimentSpec spec : points) {
            Specs.runs(spec).forEach(r -> out.printf("%s %s %s seed %d edges %s%n", r.runId(), spec.name(),
                    r.variant().key(), r.seed(), r.variant().graph().edges()));
        }
        return 0;
    }
}
