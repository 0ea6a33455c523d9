package org.kdml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kdml.orchestrator.ExperimentState;

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

    /** @return the experiment's last status ({@link ExperimentState#status}) */
    static Map<String, Object> follow(Stack stack, String experiment, int total, long timeoutSeconds, PrintStream out)
            throws IOException, InterruptedException {
        return new ExperimentFollower(stack, experiment, total, out).follow(timeoutSeconds);
    }

    private Map<String, Object> follow(long timeoutSeconds) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (true) {
            String agg = stack.view().get(experiment);
            if (agg != null) {
                Map<String, Object> st = ExperimentState.status(agg);
                if (show(st)) {
                    return st;
                }
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("experiment " + experiment + " did not finish within " + timeoutSeconds
                        + " s (--timeout)");
            }
            Thread.sleep(500);
        }
    }

    /** Prints what changed; @return whether the experiment is done */
    private boolean show(Map<String, Object> st) {
        @SuppressWarnings("unchecked")
        Map<String, Integer> counts = (Map<String, Integer>) st.get("counts");
        String running = "";
        for (Object o : (List<?>) st.get("runs")) {
            Map<?, ?> r = (Map<?, ?>) o;
            if ((r.get("state").equals("failed") || r.get("state").equals("retrying"))
                    && reported.add(r.get("runId") + "/" + r.get("attempt"))) {
                out.println("  " + r.get("runId") + " " + r.get("variant") + " seed " + r.get("seed") + ": "
                        + r.get("reason"));
            }
            if (r.get("state").equals("running") || r.get("state").equals("started")) {
                running = r.get("variant") + " seed " + r.get("seed")
                        + (r.containsKey("progress") ? " " + r.get("progress") : "");
            }
        }
        int done = counts.get("evaluated") + counts.get("failed");
        String line = String.format("%s [%d/%d evaluated, %d CKA, %d failed] %s", bar(done, total, 20),
                counts.get("evaluated"), total, (Integer) st.get("cka"), counts.get("failed"),
                running.isEmpty() ? "" : "training " + running);
        if (!line.equals(shown)) {
            out.println(line);
            shown = line;
        }
        return done >= total && (Integer) st.get("cka") >= counts.get("evaluated");
    }

    /** A text progress bar, e.g. {@code ██████░░░░}. */
    static String bar(int done, int total, int width) {
        int full = total <= 0 ? 0 : Math.min(width, done * width / total);
        return "\u2588".repeat(full) + "\u2591".repeat(width - full);
    }
}
