package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A run's lifecycle on {@code kdml.events}, keyed by run id.
 *
 * @param type {@code queued}, {@code started}, {@code epoch}, {@code checkpointed}, {@code completed} or {@code failed}
 * @param runId the run
 * @param experiment its experiment
 * @param variant its variant key
 * @param seed its seed
 * @param attempt 1 for the first delivery, more after a redelivery
 * @param worker the worker that sent it (null from the orchestrator)
 * @param phase {@code teacher} or {@code joint} for epoch and checkpoint events
 * @param epoch epoch within the phase
 * @param epochs epochs in the phase
 * @param metrics training losses and validation scores of the epoch; for {@code completed}, the
 *     S3 prefix of the final checkpoint under {@code checkpoint}
 * @param reason why, for {@code failed} (and for {@code started} when it resumes)
 * @param index 1-based position of the run in its experiment
 * @param total runs in the experiment
 * @param time milliseconds since the epoch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEvent(String type, String runId, String experiment, String variant, long seed, int attempt,
        String worker, String phase, Integer epoch, Integer epochs, Map<String, Object> metrics, String reason,
        int index, int total, long time) {

    /** Lifecycle types. */
    public static final String QUEUED = "queued";
    /** A worker took the run. */
    public static final String STARTED = "started";
    /** An epoch finished. */
    public static final String EPOCH = "epoch";
    /** A checkpoint is durable in S3. */
    public static final String CHECKPOINTED = "checkpointed";
    /** Training is done and the final checkpoint is durable. */
    public static final String COMPLETED = "completed";
    /** The attempt failed; {@code reason} says why. */
    public static final String FAILED = "failed";

    /** An event about {@code run} with no epoch details. */
    public static RunEvent of(String type, RunMessage run, int attempt, String worker, String reason) {
        return new RunEvent(type, run.runId(), run.experiment(), run.variant(), run.seed(), attempt, worker, null, null,
                null, null, reason, run.index(), run.total(), System.currentTimeMillis());
    }

    /** This event with epoch details. */
    public RunEvent withEpoch(String phase, int epoch, int epochs, Map<String, Object> metrics) {
        return new RunEvent(type, runId, experiment, variant, seed, attempt, worker, phase, epoch, epochs, metrics,
                reason, index, total, time);
    }
}
