package org.kdml.worker;

import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.RunKeys;
import org.kdml.spec.Specs;

/**
 * A run's attempt count in S3 ({@link RunKeys#attempts()}), so that it survives redelivery to
 * another worker, and the marker of a committed completion ({@link RunKeys#completed()}).
 *
 * @param attempts attempts so far
 * @param worker the worker of the last attempt
 * @param stops attempts that ended in a graceful stop (SIGTERM, a scale-in): they do not count
 *     against the run's attempt budget, since nothing failed
 */
record Attempts(int attempts, String worker, int stops) {

    /**
     * Counts one more attempt of {@code keys}' run by {@code worker}.
     *
     * @return the count with the new attempt's number (1 for the first) and the stops so far
     */
    static Attempts next(CheckpointStore store, RunKeys keys, String worker) throws Exception {
        Attempts before = read(store, keys);
        Attempts now = new Attempts(before.attempts + 1, worker, before.stops);
        store.putBytes(keys.attempts(), Specs.json().writeValueAsBytes(now));
        return now;
    }

    /** Counts a graceful stop of {@code keys}' run. */
    static void stopped(CheckpointStore store, RunKeys keys) throws Exception {
        Attempts before = read(store, keys);
        store.putBytes(keys.attempts(), Specs.json().writeValueAsBytes(new Attempts(before.attempts, before.worker,
                before.stops + 1)));
    }

    /** @return the attempts that failed or were killed: those that count against the budget */
    int counted() {
        return attempts - stops;
    }

    private static Attempts read(CheckpointStore store, RunKeys keys) throws Exception {
        byte[] raw = store.getBytes(keys.attempts());
        return raw == null ? new Attempts(0, null, 0) : Specs.json().readValue(raw, Attempts.class);
    }

    /**
     * The marker written once a completion is committed.
     *
     * @param attempt the attempt that completed the run
     * @param worker the worker that ran it
     */
    record Completed(int attempt, String worker) {

        /** Writes the marker of {@code keys}' run. */
        void write(CheckpointStore store, RunKeys keys) throws Exception {
            store.putBytes(keys.completed(), Specs.json().writeValueAsBytes(this));
        }
    }
}
