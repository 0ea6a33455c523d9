package org.kdml.core.train;

import org.kdml.core.metrics.ClassificationMetrics;
import org.kdml.core.metrics.SegmentationMetrics;

/**
 * The outcome of one network (or the ensemble) on the test split.
 *
 * @param architecture the architecture key ({@code ensemble} for the ensemble)
 * @param parameters trainable parameters (0 for the ensemble)
 * @param bestEpoch the epoch whose weights were kept, by validation accuracy (0 for the ensemble)
 * @param bestValAccuracy validation accuracy (segmentation: IoU) at that epoch
 * @param test classification metrics on the test split (null for segmentation)
 * @param segmentation overlap metrics on the test split (null for classification)
 * @param fidelity share of test images (segmentation: pixels) where its prediction equals the
 *     teacher's; null without teacher
 */
public record NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
        ClassificationMetrics test, SegmentationMetrics segmentation, Double fidelity) {
}
