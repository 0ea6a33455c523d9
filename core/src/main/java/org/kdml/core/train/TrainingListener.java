package org.kdml.core.train;

import java.util.Map;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.results.EpochRecord;

/** Hears a run's progress; the CLI draws a progress bar from it. */
public interface TrainingListener {

    /** A listener that hears nothing. */
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * Before a run starts.
     *
     * @param run the run
     * @param index 1-based position of the run in its experiment
     * @param total runs in the experiment
     */
    default void onRunStart(RunSpec run, int index, int total) {
    }

    /**
     * After each optimisation step.
     *
     * @param runId the run
     * @param phase the phase
     * @param epoch 1-based epoch
     * @param epochs epochs in the phase
     * @param step 1-based step within the epoch
     * @param steps steps per epoch
     * @param metrics the step's loss terms
     */
    default void onStep(String runId, Phase phase, int epoch, int epochs, int step, int steps,
            Map<String, Double> metrics) {
    }

    /** A warning the user should see (e.g. bad items skipped). */
    default void onWarning(String message) {
    }

    /** After each epoch's validation. */
    default void onEpoch(String runId, EpochRecord record) {
    }
}
