package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import org.kdml.spec.Phase;

/**
 * A run's lifecycle on {@code kdml.events}, keyed by run id.
 *
 * @param type what happened
 * @param runId the run
 * @param experiment its experiment
 * @param variant its variant key
 * @param seed its seed
 * @param attempt 1 for the first delivery, more after a redelivery
 * @param worker the worker that sent it (null from the orchestrator)
 * @param phase the training phase, for epoch and checkpoint events
 * @param epoch epoch within the phase
 * @param epochs epochs in the phase
 * @param metrics training losses and validation scores of the epoch; for {@code completed}, the
 *     S3 prefix of the final checkpoint under {@code checkpoint}
 * @param reason why, for {@code failed} (and for {@code started} when it resumes)
 * @param retrying for {@code failed}: whether another attempt follows (null for other types, and on
 *     events written before the flag existed)
 * @param index 1-based position of the run in its experiment
 * @param total runs in the experiment
 * @param time milliseconds since the epoch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEvent(EventType type, String runId, String experiment, String variant, long seed, int attempt,
        String worker, Phase phase, Integer epoch, Integer epochs, Map<String, Object> metrics, String reason,
        Boolean retrying, int index, int total, long time) {

    /** Validates. */
    public RunEvent {
        if (type == null) {
            throw new IllegalArgumentException("type: required");
        }
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("runId: required");
        }
        if (type != EventType.FAILED && retrying != null) {
            throw new IllegalArgumentException("retrying: set on failed events only, got " + retrying + " on " + type);
        }
    }

    /** An event about {@code run} with no epoch details (not {@code failed}: see {@link #failed}). */
    public static RunEvent of(EventType type, RunMessage run, int attempt, String worker, String reason) {
        return new RunEvent(type, run.runId(), run.experiment(), run.variant(), run.seed(), attempt, worker, null, null,
                null, null, reason, null, run.index(), run.total(), System.currentTimeMillis());
    }

    /**
     * Whether this event parks its run as failed: a {@code failed} event that no attempt follows.
     * One written before the {@code retrying} flag existed (null) parks its run too: retries came
     * with the flag. The orchestrator, the reporter, the MLflow bridge and the chaos suite all ask
     * this, so that they agree on which runs are over.
     */
    public boolean parked() {
        return type == EventType.FAILED && !Boolean.TRUE.equals(retrying);
    }

    /**
     * A failed attempt.
     *
     * @param retrying whether another attempt follows
     */
    public static RunEvent failed(RunMessage run, int attempt, String worker, String reason, boolean retrying) {
        return new RunEvent(EventType.FAILED, run.runId(), run.experiment(), run.variant(), run.seed(), attempt, worker,
                null, null, null, null, reason, retrying, run.index(), run.total(), System.currentTimeMillis());
    }

    /** This event with epoch details. */
    public RunEvent withEpoch(Phase phase, int epoch, int epochs, Map<String, Object> metrics) {
        return new RunEvent(type, runId, experiment, variant, seed, attempt, worker, phase, epoch, epochs, metrics,
                reason, retrying, index, total, time);
    }
}
