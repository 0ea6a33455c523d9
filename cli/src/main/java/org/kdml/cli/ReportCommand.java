package org.kdml.cli;

import static org.kdml.cli.OptionChecks.oneOf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.kdml.report.Report;
import org.kdml.results.RunFolder;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.spec.RunLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kdml report EXPERIMENT [--out runs] [--format md|html|csv]}: paper-style tables of finished
 * runs, from the local folder or, when it has none (or with {@code --from-stack}), from a stack's
 * {@code kdml.results} and S3.
 */
@Command(name = "report", description = "Paper-style tables (mean +- std over seeds, paired tests) of an"
        + " experiment's finished runs, written to DIR/EXPERIMENT/report/.")
final class ReportCommand extends KdmlCommand {

    private static final List<String> FORMATS = List.of("md", "html", "csv");

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "the experiment's name")
    private String experiment;

    @Option(names = "--out", paramLabel = "DIR", description = "where the runs are")
    private Path runs = Path.of("runs");

    @Option(names = "--format", paramLabel = "FORMAT", description = "md, html or csv")
    private String format = "md";

    @Option(names = "--from-stack", description = "read the results from a stack even when DIR/EXPERIMENT exists"
            + " (without a local folder the stack is read anyway)")
    private boolean fromStack;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka, for results that are not local")
    private String bootstrap = PipelineConfig.DEFAULT_BOOTSTRAP;

    @Option(names = "--s3", paramLabel = "URL", description = "S3 (hardest images, CKA heatmaps), for results that"
            + " are not local")
    private String s3 = PipelineConfig.DEFAULT_S3;

    @Override
    int run(PrintStream out) throws Exception {
        oneOf("--format", "format", format, FORMATS);
        Path dir = runs.resolve(experiment);
        if (fromStack || !hasRuns(dir)) {
            PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), Files.createTempDirectory("kdml-"));
            int n = CollectedResults.fromStack(config, experiment, runs);
            out.println("read " + n + " run(s) of " + experiment + " from the stack (" + bootstrap + ", " + s3 + ") into "
                    + dir.toAbsolutePath());
        }
        Report report = Report.load(dir);
        Path target = dir.resolve(RunLayout.REPORT_DIR);
        Files.createDirectories(target);
        switch (format) {
            case "md" -> {
                String md = report.markdown();
                Files.writeString(target.resolve(RunLayout.report("md")), md);
                out.print(md);
            }
            case "csv" -> {
                String csv = report.csv();
                Files.writeString(target.resolve(RunLayout.report("csv")), csv);
                out.print(csv);
                String methods = report.methodsCsv();
                if (!methods.isEmpty()) {
                    Path file = target.resolve(RunLayout.METHODS_CSV);
                    Files.writeString(file, methods);
                    out.println("comparison with existing methods: " + file.toAbsolutePath());
                }
                String claims = report.claimsCsv();
                if (!claims.isEmpty()) {
                    Path file = target.resolve(RunLayout.CLAIMS_CSV);
                    Files.writeString(file, claims);
                    out.println("claims: " + file.toAbsolutePath());
                }
            }
            default -> out.println("wrote " + report.html(dir, target).toAbsolutePath());
        }
        return 0;
    }

    private static boolean hasRuns(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(RunFolder::hasResult);
        }
    }
}
