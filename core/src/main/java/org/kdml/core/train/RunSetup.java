package org.kdml.core.train;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Split;
import org.kdml.spec.RunSpec;

/**
 * What a run's epoch loop trains with, set up once by {@link RunTrainer#train}.
 *
 * @param run the run
 * @param session the networks, losses and optimisers
 * @param batches turns items into normalised, augmented arrays
 * @param split the run's train / validation / test split of {@code data}
 * @param train the training items after balancing (may repeat items of {@code split.train()})
 * @param data the data set
 * @param batchSize images per step
 * @param pool the loader threads that prepare batches ahead
 * @param depth batches prepared ahead
 * @param listener hears progress
 * @param checkpoints where training states go
 */
record RunSetup(RunSpec run, DistillationSession session, Batches batches, Split split, List<Integer> train,
        LabeledImages data, int batchSize, ExecutorService pool, int depth, TrainingListener listener,
        Checkpointer checkpoints) {

    /** Rejects missing parts and sizes below one. */
    RunSetup {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(batches, "batches");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(checkpoints, "checkpoints");
        train = List.copyOf(train);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
        }
        if (depth < 1) {
            throw new IllegalArgumentException("depth: must be >= 1, got " + depth);
        }
    }

    /** @return the networks and data that validation reads */
    Evaluation evaluation() {
        return new Evaluation(session, batches, data, batchSize, run.spec().training().ensembleRule());
    }
}
