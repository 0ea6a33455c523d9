package org.kdml.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml submit SPEC}: checks the spec, publishes it to {@code kdml.specs}, lists its runs. */
@Command(name = "submit", description = "Checks a spec and publishes it to kdml.specs (what kcat -P -t kdml.specs"
        + " does, plus the check); lists its runs.")
final class SubmitCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the spec")
    private Path file;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka")
    private String bootstrap = PipelineConfig.DEFAULT_BOOTSTRAP;

    @Override
    int run(PrintStream out) throws Exception {
        String text = Files.readString(file);
        List<ExperimentSpec> points = Specs.grid(text, file.toString());
        publish(bootstrap, text);
        out.printf("submitted %s to %s on %s:%n", file, Topics.SPECS, bootstrap);
        for (ExperimentSpec spec : points) {
            for (RunSpec r : Specs.runs(spec)) {
                out.printf("  %s %s %s seed %d%n", r.runId(), spec.name(), r.variant().key(), r.seed());
            }
        }
        return 0;
    }

    /** Publishes a spec's text to {@code kdml.specs} and waits for the broker's acknowledgement. */
    static void publish(String bootstrap, String text) {
        Clients.publish(bootstrap, Topics.SPECS, null, text);
    }
}
