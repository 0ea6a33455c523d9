package org.kdml.mlflow;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.kdml.mlflow.MlflowRecords.KnownRun;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;

/**
 * The runs on {@code kdml.runs}, by run id: their canonical spec (the params) and spec hash. Read
 * whole at the start and again when a message names a run not seen yet, at most once per batch.
 * The orchestrator publishes a run and its {@code queued} event in one transaction, so any event
 * or result of a real run finds its run here.
 */
final class KnownRuns {

    private final String bootstrap;
    private final Map<String, RunMessage> messages = new HashMap<>();
    private final Map<String, KnownRun> known = new HashMap<>();
    private boolean mayRead = true;

    /** @param bootstrap the broker */
    KnownRuns(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** Allows one more read of the topic (called before each batch). */
    void nextBatch() {
        mayRead = true;
    }

    /**
     * @return the run, or null when {@code kdml.runs} has no run of that id
     * @throws IllegalArgumentException when its message does not hold the run (a forged or stale message)
     */
    KnownRun get(String runId) {
        KnownRun k = known.get(runId);
        if (k != null) {
            return k;
        }
        RunMessage m = messages.get(runId);
        if (m == null && mayRead) {
            mayRead = false;
            for (RunMessage r : Clients.values(bootstrap, Topics.RUNS, Duration.ofMinutes(2))) {
                messages.put(r.runId(), r);
            }
            m = messages.get(runId);
        }
        if (m == null) {
            return null;
        }
        k = KnownRun.of(m);
        known.put(runId, k);
        return k;
    }
}
