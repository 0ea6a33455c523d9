package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kdml.core.data.LabeledImages;

/**
 * The networks and the data they are evaluated on, and the choice between the two tasks'
 * evaluations ({@link ClassificationEval}, {@link SegmentationEval}).
 *
 * @param session the networks
 * @param batches turns items into normalised arrays
 * @param data the data set
 * @param batchSize images per forward pass
 */
record Evaluation(DistillationSession session, Batches batches, LabeledImages data, int batchSize) {

    /** Rejects missing parts and a batch size below one. */
    Evaluation {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(batches, "batches");
        Objects.requireNonNull(data, "data");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
        }
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
     * @param imagesDir where the segmentation hard-case grid goes, or null
     */
    Map<String, NetworkResult> test(boolean segmentation, List<Integer> test, BestEpochs best, Path imagesDir)
            throws IOException {
        return segmentation ? SegmentationEval.test(this, test, best, imagesDir)
                : ClassificationEval.test(this, test, best);
    }
}
