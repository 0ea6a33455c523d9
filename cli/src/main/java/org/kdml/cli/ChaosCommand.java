package org.kdml.cli;

import org.kdml.tools.Chaos;
import static org.kdml.cli.OptionChecks.atLeast;

import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kdml chaos}: the options of the fault-injection suite, which {@link Chaos} runs. */
@Command(name = "chaos", description = {"The fault-injection suite against the embedded stack with separate kdml"
        + " worker processes: prints scenarios x (faults, completed, lost, duplicated, rejected, crashes) and writes"
        + " the table to --report."})
final class ChaosCommand extends KdmlCommand {

    @Option(names = "--runs", paramLabel = "N", description = "runs in the grid of the kill scenario (>= 4)")
    private int runs = 12;

    @Option(names = "--kills", paramLabel = "N", description = "kill -9 of workers")
    private int kills = 3;

    @Option(names = "--sigterms", paramLabel = "N", description = "SIGTERM of busy workers (a scale-in), at random"
            + " moments")
    private int sigterms = 3;

    @Option(names = "--workers", paramLabel = "N", description = "kdml worker processes (>= 1)")
    private int workers = 2;

    @Option(names = "--fuzz", paramLabel = "N", description = "fuzzed specs published")
    private int fuzz = 2000;

    @Option(names = "--s3-outage", paramLabel = "SECONDS", description = "how long S3 is down mid-grid")
    private int s3OutageSeconds = 30;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs of each run")
    private int epochs = 3;

    @Option(names = "--seed", paramLabel = "N", description = "seed of the faults' timing and the fuzzer")
    private long seed = 1;

    @Option(names = "--timeout-minutes", paramLabel = "MINUTES", description = "give up on a scenario after MINUTES")
    private long timeoutMinutes = 60;

    @Option(names = "--report", paramLabel = "FILE", description = "where the table is written")
    private Path report = Path.of("chaos-report.md");

    @Override
    int run(PrintStream out) throws Exception {
        return Chaos.run(new Chaos.Options(atLeast("--runs", runs, 4), atLeast("--kills", kills, 0),
                atLeast("--sigterms", sigterms, 0), atLeast("--workers", workers, 1), atLeast("--fuzz", fuzz, 0), atLeast("--s3-outage", s3OutageSeconds, 0),
                atLeast("--epochs", epochs, 1), seed, atLeast("--timeout-minutes", timeoutMinutes, 1), report), out);
    }
}
