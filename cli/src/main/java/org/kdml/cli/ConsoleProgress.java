package org.kdml.cli;

import java.io.PrintStream;
import java.util.Map;
import org.kdml.results.EpochRecord;
import org.kdml.core.train.TrainingListener;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;

/** A progress bar on a terminal; one line per epoch otherwise (logs, CI). */
final class ConsoleProgress implements TrainingListener {

    private final PrintStream out;
    private final boolean terminal;
    private String label = "";

    ConsoleProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onRunStart(RunSpec run, int index, int total) {
        label = String.format("[run %d/%d %s seed %d]", index, total, run.variant().key(), run.seed());
        out.printf("%s id %s, edges %s, teacher %s%n", label, run.runId(), run.variant().graph().edges(),
                run.variant().graph().teacher().key());
    }

    @Override
    public void onStep(String runId, Phase phase, int epoch, int epochs, int step, int steps,
            Map<String, Double> metrics) {
        if (!terminal) {
            return;
        }
        int width = 24;
        int filled = (int) Math.round(width * (double) step / steps);
        String loss = metrics.entrySet().stream().filter(e -> e.getKey().endsWith("/total"))
                .map(e -> String.format("%s=%.3f", e.getKey().replace("/total", ""), e.getValue()))
                .reduce((a, b) -> a + " " + b).orElse("");
        out.printf("\r%s %s epoch %d/%d [%s%s] %d/%d %s   ", label, phase, epoch, epochs, "#".repeat(filled),
                ".".repeat(width - filled), step, steps, loss);
        out.flush();
    }

    @Override
    public void onWarning(String message) {
        out.println("kdml: warning: " + message);
    }

    @Override
    public void onEpoch(String runId, EpochRecord r) {
        String val = r.validation().entrySet().stream()
                .map(e -> String.format("%s=%.3f", e.getKey(), e.getValue()))
                .reduce((a, b) -> a + " " + b).orElse("");
        out.printf("%s%s %s epoch %d done in %.1fs, validation %s%n", terminal ? "\r" : "", label, r.phase(), r.epoch(),
                r.seconds(), val);
    }
}
