package org.kdml.core.train;

import org.kdml.spec.Phase;

/**
 * Training stopped on request ({@link Checkpointer#stopRequested()}) after a step, with a state of
 * exactly where it stopped handed to {@link Checkpointer#save}: not a failure, the run continues
 * from that state with no step trained twice.
 */
public final class TrainingStopped extends RuntimeException {

    private final Phase phase;
    private final int epoch;
    private final int step;
    private final int steps;

    /**
     * @param phase the phase it stopped in
     * @param epoch the epoch it stopped in, 1-based
     * @param step steps of that epoch trained, 1-based
     * @param steps steps in that epoch
     */
    TrainingStopped(String runId, Phase phase, int epoch, int step, int steps) {
        super("run " + runId + " stopped after step " + step + " of " + steps + " of " + phase + " epoch " + epoch);
        this.phase = phase;
        this.epoch = epoch;
        this.step = step;
        this.steps = steps;
    }

    /** @return the phase it stopped in */
    public Phase phase() {
        return phase;
    }

    /** @return the epoch it stopped in, 1-based */
    public int epoch() {
        return epoch;
    }

    /** @return steps of that epoch trained */
    public int step() {
        return step;
    }

    /** @return steps in that epoch */
    public int steps() {
        return steps;
    }
}
