package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.kdml.spec.Phase;

/**
 * Where a run's training state stands, as {@code started} (resumed from) and {@code stopped}
 * (stopped at) events carry it in {@code position}: after {@code epoch} whole epochs of
 * {@code phase}, plus {@code step} steps of the next one, saved at {@code checkpoint}.
 *
 * @param phase the training phase
 * @param epoch whole epochs of the phase done (0 before the first ends)
 * @param step steps done of the next epoch (0 at an epoch's end)
 * @param steps steps per epoch of the phase, when the sender knew it (a stop does; a resume does not: null)
 * @param checkpoint the S3 folder of that state, {@code bucket/key} or a key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunPosition(Phase phase, int epoch, int step, Integer steps, String checkpoint) {

    /** Validates. */
    public RunPosition {
        if (phase == null) {
            throw new IllegalArgumentException("position.phase: required");
        }
        if (epoch < 0 || step < 0) {
            throw new IllegalArgumentException("position: epoch and step must be >= 0, got " + epoch + " and " + step);
        }
        if (checkpoint == null || checkpoint.isBlank()) {
            throw new IllegalArgumentException("position.checkpoint: required");
        }
    }

    /**
     * @param checkpoint an epoch checkpoint's folder ({@link RunKeys#epoch}, {@link RunKeys#state}),
     *     with or without the bucket in front
     * @param steps steps per epoch, or null when not known
     * @return where the state saved there stands
     */
    public static RunPosition of(String checkpoint, Integer steps) {
        RunKeys.Position p = RunKeys.position(checkpoint);
        return new RunPosition(p.phase(), p.epoch(), p.step(), steps, checkpoint);
    }

    /**
     * @return steps trained between {@code from} and this position (0 when {@code from} is not
     *     before it), counting {@code steps} per epoch of this position's phase
     * @throws IllegalStateException when this position does not know its steps per epoch
     */
    public long stepsAfter(RunPosition from) {
        if (steps == null) {
            throw new IllegalStateException("position.steps: unknown at " + checkpoint);
        }
        RunPosition start = from == null || from.phase != phase ? new RunPosition(phase, 0, 0, null, "start") : from;
        return Math.max(0, (long) (epoch - start.epoch) * steps + step - start.step);
    }
}
