package org.kdml.core.train;

import org.kdml.core.metrics.ClassificationMetrics;

/**
 * The outcome of one network (or the ensemble) on the test split.
 *
 * @param architecture the architecture key ({@code ensemble} for the ensemble)
 * @param parameters trainable parameters (0 for the ensemble)
 * @param bestEpoch the epoch whose weights were kept, by validation accuracy (0 for the ensemble)
 * @param bestValAccuracy validation accuracy at that epoch
 * @param test metrics on the test split
 * @param fidelity share of test images where its prediction equals the teacher's; null without teacher
 */
public record NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
        ClassificationMetrics test, Double fidelity) {
}
