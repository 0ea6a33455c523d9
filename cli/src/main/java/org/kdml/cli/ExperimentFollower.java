package org.kdml.cli;

import org.kdml.tools.Stack;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Set;
import java.time.Duration;
import org.kdml.embedded.Await;
import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.state.RunStatus;

/**
 * Follows an experiment in the embedded stack's Streams view until every run is evaluated (or
 * failed) and has its CKA: a progress line whenever it changes, and each failure or retry once.
 */
final class ExperimentFollower {

    private final Stack stack;
    private final String experiment;
    private final int total;
    private final PrintStream out;
    private final Set<String> reported = new HashSet<>();
    private String shown = "";

    private ExperimentFollower(Stack stack, String experiment, int total, PrintStream out) {
        this.stack = stack;
        this.experiment = experiment;
        this.total = total;
        this.out = out;
    }

    /** @return the experiment's last status */
    static ExperimentStatus follow(Stack stack, String experiment, int total, long timeoutSeconds, PrintStream out) {
        return new ExperimentFollower(stack, experiment, total, out).follow(timeoutSeconds);
    }

    private ExperimentStatus follow(long timeoutSeconds) {
        ExperimentStatus[] last = new ExperimentStatus[1];
        Await.until(() -> {
            last[0] = stack.view().status(experiment);
            return last[0] != null && show(last[0]);
        }, Duration.ofSeconds(timeoutSeconds), "experiment " + experiment + " to finish (--timeout " + timeoutSeconds
                + " s)");
        return last[0];
    }

    /** Prints what changed; @return whether the experiment is done */
    private boolean show(ExperimentStatus st) {
        String running = "";
        for (ExperimentStatus.Row r : st.runs()) {
            if ((r.state() == RunStatus.FAILED || r.state() == RunStatus.RETRYING)
                    && reported.add(r.runId() + "/" + r.attempt())) {
                out.println("  " + r.runId() + " " + r.variant() + " seed " + r.seed() + ": " + r.reason());
            }
            if (r.state() == RunStatus.RUNNING || r.state() == RunStatus.STARTED) {
                running = r.variant() + " seed " + r.seed() + (r.progress() != null ? " " + r.progress() : "");
            }
        }
        int evaluated = st.count(RunStatus.EVALUATED);
        int failed = st.count(RunStatus.FAILED);
        int done = evaluated + failed;
        String line = String.format("%s [%d/%d evaluated, %d CKA, %d failed] %s", bar(done, total, 20),
                evaluated, total, st.cka(), failed, running.isEmpty() ? "" : "training " + running);
        if (!line.equals(shown)) {
            out.println(line);
            shown = line;
        }
        return done >= total && st.cka() >= evaluated;
    }

    /** A text progress bar, e.g. {@code ██████░░░░}. */
    static String bar(int done, int total, int width) {
        int full = total <= 0 ? 0 : Math.min(width, done * width / total);
        return "\u2588".repeat(full) + "\u2591".repeat(width - full);
    }
}
