package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Path;
import org.kdml.spec.Phase;

/**
 * Where a run's training state goes during training and where it comes back from after a crash.
 * {@link RunTrainer} writes the complete state (weights, best-epoch snapshots, optimiser moments,
 * history) into a local folder every {@link #every()} epochs and hands it to {@link #save}; on
 * start it asks {@link #resume()} for the newest good state.
 */
public interface Checkpointer {

    /** Keeps nothing and resumes nothing. */
    Checkpointer NONE = new Checkpointer() {
        @Override
        public int every() {
            return 0;
        }

        @Override
        public Path resume() {
            return null;
        }

        @Override
        public void save(Path dir, Phase phase, int epoch, int step) {
        }
    };

    /** @return epochs between checkpoints (the last epoch of each phase is always saved); 0 = never */
    int every();

    /** @return a local folder holding the state to continue from, or null to start afresh */
    Path resume() throws IOException;

    /**
     * Keeps the state in {@code dir} (e.g. uploads it). The folder is deleted afterwards.
     *
     * @param phase the phase of that epoch
     * @param epoch the epoch just finished, 1-based within the phase (0: none of the phase yet)
     * @param step steps of the next epoch trained since (0 at an epoch's end; more for a stop mid-epoch)
     */
    void save(Path dir, Phase phase, int epoch, int step) throws IOException;

    /**
     * Asked after every step.
     *
     * @return true once training must stop where it is, after saving its exact state
     */
    default boolean stopRequested() {
        return false;
    }
}
