package org.kdml.cli;

import org.kdml.tools.Stack;
import static org.kdml.cli.OptionChecks.atLeast;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.core.train.ResultTable;
import org.kdml.results.RunResult;
import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.state.RunStatus;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.kdml.results.RunFolder;

/**
 * {@code kdml run [SPEC]}: the embedded stack, one spec submitted, progress, the final table,
 * results under {@code runs/}, then a clean shutdown.
 */
@Command(name = "run", description = {"The embedded pipeline (Kafka + S3 + orchestrator + workers + evaluator + CKA"
        + " analyzer) in this JVM: submits SPEC, shows progress, prints the results table, stops."})
final class RunCommand extends KdmlCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC.yaml", description = "the spec to submit")
    private Path specFile = Kdml.QUICKSTART;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results are kept (for kdml report)")
    private Path outDir = Path.of("runs");

    @Option(names = "--data", paramLabel = "DIR", description = "keep the broker's, S3's and the services' data in DIR"
            + " (default: a temporary folder, deleted afterwards)")
    private Path data;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "give up on an experiment after SECONDS")
    private long timeoutSeconds = 7200;

    @Mixin
    private StackOptions stackOptions;

    /** PyTorch threads each in-process worker trains with. */
    private int workerThreads;

    @Override
    int run(PrintStream out) throws Exception {
        atLeast("--timeout", timeoutSeconds, 1);
        stackOptions.check();
        workerThreads = stackOptions.shareCores(threads());
        if (!Files.isRegularFile(specFile)) {
            throw new IOException("spec file not found: " + specFile.toAbsolutePath());
        }
        String text = Files.readString(specFile);
        List<ExperimentSpec> points = Specs.grid(text, specFile.toString());
        ExperimentRunner.validate(points.get(0));
        Path tmp = data == null ? Files.createTempDirectory("kdml-stack-") : null;
        try {
            // Without --data the stack lives and dies with this process: an epoch checkpoint could never
            // be resumed from, so only the final one is written.
            return run(stackOptions.settings(data == null ? tmp : data, data == null ? 0 : 1, out), text, points,
                    out);
        } finally {
            if (tmp != null) {
                RunFolder.deleteTree(tmp);
            }
        }
    }

    private int run(Stack.Settings settings, String text, List<ExperimentSpec> points, PrintStream out)
            throws Exception {
        long t0 = System.nanoTime();
        try (Stack stack = new Stack(settings).start(System.getenv())) {
            PipelineConfig config = stack.config();
            out.printf("kdml: embedded stack up in %.1f s: Kafka %s, S3 %s, status http://127.0.0.1:%d/experiments,"
                    + " %d worker(s) with %d PyTorch thread(s) each; data in %s%n", stack.startSeconds(),
                    config.bootstrap(), config.s3Endpoint(), stack.statusPort(), settings.workers(), workerThreads,
                    settings.data());
            long submitted = System.currentTimeMillis();
            SubmitCommand.publish(config.bootstrap(), text);
            int total = points.stream().mapToInt(p -> Specs.runs(p).size()).sum();
            out.printf("kdml: submitted %s (%d runs%s) to %s%n", specFile, total,
                    points.size() > 1 ? " in " + points.size() + " grid points" : "", Topics.SPECS);
            boolean complete = true;
            for (ExperimentSpec spec : points) {
                complete &= followAndReport(stack, spec, submitted, t0, out);
            }
            return complete ? 0 : 1;
        }
    }

    /** Waits for one experiment, keeps its results, prints its table and timings; @return whether every run has a result */
    private boolean followAndReport(Stack stack, ExperimentSpec spec, long submitted, long t0, PrintStream out)
            throws Exception {
        PipelineConfig config = stack.config();
        List<RunSpec> runs = Specs.runs(spec);
        ExperimentStatus last = ExperimentFollower.follow(stack, spec.name(), runs.size(), timeoutSeconds, out);
        Long first = last.firstStartedAt();
        double wall = (System.nanoTime() - t0) / 1e9;
        CollectedResults c = CollectedResults.collect(config, spec, runs, outDir);
        out.println();
        out.println("Test metrics (" + spec.name() + ", " + spec.dataset().kind() + ", teacher "
                + spec.teacher() + ", students " + spec.students() + "), from " + Topics.RESULTS + ":");
        out.print(ResultTable.render(c.results()));
        double train = c.results().stream().mapToDouble(RunResult::trainSeconds).sum();
        out.printf("%nRuns: %d, results: %d metrics + %d CKA, duplicates: %d, failed: %s%n", runs.size(),
                c.results().size(), c.cka(), c.duplicates(), last.count(RunStatus.FAILED));
        out.printf("Timing: stack start %.1f s; spec to first training start %s; wall %.1f s, of which"
                + " training (summed over runs) %.1f s, CKA %.1f s; peak RSS %.0f MB%n", stack.startSeconds(),
                first == null ? "n/a" : String.format("%.2f s", (first - submitted) / 1e3),
                wall, train, c.ckaSeconds(), Bench.peakRssMb());
        out.println(c.breakdown(config, spec.name()));
        out.printf("Results: %s; checkpoints: s3://%s/%s/%n", outDir.resolve(spec.name()).toAbsolutePath(),
                config.bucket(), spec.name());
        return c.results().size() == runs.size();
    }
}
