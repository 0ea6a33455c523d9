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
 */
record Attempts(int attempts, String worker) {

    /**
     * Counts one more attempt of {@code keys}' run by {@code worker}.
     *
     * @return the new attempt's number (1 for the first)
     */
    static int next(CheckpointStore store, RunKeys keys, String worker) throws Exception {
        byte[] raw = store.getBytes(keys.attempts());
        int attempt = (raw == null ? 0 : Specs.json().readValue(raw, Attempts.class).attempts()) + 1;
        store.putBytes(keys.attempts(), Specs.json().writeValueAsBytes(new Attempts(attempt, worker)));
        return attempt;
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
