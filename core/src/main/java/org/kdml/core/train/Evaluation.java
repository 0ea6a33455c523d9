package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.NetworkResult;
import org.kdml.spec.EnsembleRule;

/**
 * The networks and the data they are evaluated on, and the choice between the two tasks'
 * evaluations ({@link ClassificationEval}, {@link SegmentationEval}).
 *
 * @param inference the networks
 * @param keepBest what to do when a node reaches its best validation score (a training session
 *     keeps a snapshot of it; a finished run's networks are only tested)
 * @param batches turns items into normalised arrays
 * @param data the data set
 * @param batchSize images per forward pass
 * @param nodes the networks evaluated, in the session's order (the teacher's own phase validates
 *     the teacher alone: the students have not trained yet)
 * @param ensemble how the students' class probabilities make the ensemble's (classification)
 */
record Evaluation(Inference inference, Consumer<String> keepBest, Batches batches, LabeledImages data,
        int batchSize, List<String> nodes, EnsembleRule ensemble) {

    /** Rejects missing parts, a batch size below one and nodes the session does not have. */
    Evaluation {
        Objects.requireNonNull(inference, "inference");
        Objects.requireNonNull(keepBest, "keepBest");
        Objects.requireNonNull(batches, "batches");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(ensemble, "ensemble");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
        }
        nodes = List.copyOf(nodes);
        for (String n : nodes) {
            if (!inference.networks().containsKey(n)) {
                throw new IllegalArgumentException("nodes: no network " + n + " here");
            }
        }
    }

    /** Evaluates every network of a training session, which keeps each node's best epoch as a snapshot. */
    Evaluation(DistillationSession session, Batches batches, LabeledImages data, int batchSize,
            EnsembleRule ensemble) {
        this(session, session::snapshot, batches, data, batchSize, List.copyOf(session.networks().keySet()), ensemble);
    }

    /** Tests every network of a finished run (no validation: nothing to keep). */
    Evaluation(TrainedNetworks trained, Batches batches, LabeledImages data, int batchSize, EnsembleRule ensemble) {
        this(trained, node -> {
            throw new IllegalStateException("a finished run's networks are tested, not validated (" + node + ")");
        }, batches, data, batchSize, List.copyOf(trained.networks().keySet()), ensemble);
    }

    /** @return this evaluation of {@code only} */
    Evaluation of(List<String> only) {
        return new Evaluation(inference, keepBest, batches, data, batchSize, only, ensemble);
    }

    /**
     * Validates every network (accuracy, or IoU when the data has masks) and snapshots each of
     * {@code candidates} that beats its best so far.
     *
     * @return the validation metric by node, ensembles included
     */
    Map<String, Double> validate(List<Integer> val, List<String> candidates, int epoch, BestEpochs best) {
        return data.hasMasks() ? SegmentationEval.validate(this, val, candidates, epoch, best)
                : ClassificationEval.validate(this, val, candidates, epoch, best);
    }

    /**
     * Test metrics of every network and the ensembles.
     *
     * @param segmentation whether the run segments
     * @param outDir where the segmentation hard-case grid or the classification per-image
     *     predictions ({@link TestPredictions}) go, or null for neither
     */
    Map<String, NetworkResult> test(boolean segmentation, List<Integer> test, BestEpochs best, Path outDir)
            throws IOException {
        return segmentation ? SegmentationEval.test(this, test, best, outDir)
                : ClassificationEval.test(this, test, best, outDir);
    }
}
