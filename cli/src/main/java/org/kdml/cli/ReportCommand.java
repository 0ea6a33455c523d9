package org.kdml.cli;

import static org.kdml.cli.OptionChecks.oneOf;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.report.Report;
import org.kdml.spec.RunLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml report EXPERIMENT [--out runs] [--format md|html|csv]}: paper-style tables of finished runs. */
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

    @Override
    int run(PrintStream out) throws Exception {
        oneOf("--format", "format", format, FORMATS);
        Path dir = runs.resolve(experiment);
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
            }
            default -> out.println("wrote " + report.html(dir, target).toAbsolutePath());
        }
        return 0;
    }
}
