package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.orchestrator.StatusClient;
import org.kdml.spec.Specs;
import org.kdml.spec.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml status EXPERIMENT}: the orchestrator's view, as a compact table or JSON. */
@Command(name = "status", description = "Runs, progress and mean +- std per variant of an experiment, from the"
        + " orchestrator's Kafka Streams view.")
final class StatusCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "the experiment's name")
    private String experiment;

    @Option(names = "--orchestrator", paramLabel = "URL", description = "the orchestrator's status endpoint")
    private String url = "http://127.0.0.1:8081";

    @Option(names = "--json", description = "print the status as JSON (the status endpoint's fields)")
    private boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", description = "redraw every SECONDS (0: print once)")
    private int watchSeconds;

    @Override
    int run(PrintStream out) throws Exception {
        if (atLeast("--watch", watchSeconds, 0) == 0) {
            return status(out);
        }
        while (true) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int code = status(new PrintStream(buf, true, StandardCharsets.UTF_8));
            out.print("\033[H\033[2J" + buf.toString(StandardCharsets.UTF_8));
            out.flush();
            if (code != 0) {
                return code;
            }
            Thread.sleep(watchSeconds * 1000L);
        }
    }

    private int status(PrintStream out) throws Exception {
        ExperimentStatus st = new StatusClient(url).fetch(experiment);
        if (st == null) {
            out.println("kdml status: no experiment '" + experiment + "' (yet) at " + url);
            return 1;
        }
        if (json) {
            out.println(Specs.json().writeValueAsString(st));
            return 0;
        }
        out.printf("%s: %d runs; %s; CKA %d%n", st.experiment(), st.total(), Specs.json().writeValueAsString(st.counts()),
                st.cka());
        for (ExperimentStatus.Row run : st.runs()) {
            out.printf("  %s %-10s seed %-3d %-9s attempt %d %s%s%n", run.runId(), run.variant(), run.seed(),
                    run.state(), run.attempt(), run.progress() == null ? "" : run.progress(),
                    run.reason() != null ? "  (" + run.reason() + ")" : "");
        }
        if (st.metric() != null) {
            printVariants(st, out);
        }
        if (st.report() != null) {
            out.println("report (S3, bucket/key):");
            st.report().forEach((file, key) -> out.printf("  %-12s %s%n", file, key));
        }
        return 0;
    }

    private static void printVariants(ExperimentStatus st, PrintStream out) {
        out.printf("test %s, mean ± std over seeds:%n", st.metric());
        for (Map.Entry<String, Map<String, Summary>> e : st.variants().entrySet()) {
            StringBuilder line = new StringBuilder(String.format("  %-10s", e.getKey()));
            for (Map.Entry<String, Summary> n : e.getValue().entrySet()) {
                line.append(String.format("  %s %.3f±%.3f", n.getKey(), n.getValue().mean(), n.getValue().std()));
            }
            out.println(line);
        }
    }
}
