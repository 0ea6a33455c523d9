package org.kdml.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.report.Report;
import org.kdml.spec.RunLayout;

/** {@code kdml report EXPERIMENT [--out runs] [--format md|html|csv]}: paper-style tables of finished runs. */
final class ReportCommand {

    private ReportCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Path runs = Path.of(Kdml.option(args, "--out", "runs"));
        String format = Kdml.option(args, "--format", "md");
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: kdml report EXPERIMENT [--out runs] [--format md|html|csv], got "
                    + args);
        }
        Path dir = runs.resolve(args.get(0));
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
            }
            case "html" -> out.println("wrote " + report.html(dir, target).toAbsolutePath());
            default -> throw new IllegalArgumentException("--format: unknown format '" + format + "'; valid: md, html, csv");
        }
        return 0;
    }
}
