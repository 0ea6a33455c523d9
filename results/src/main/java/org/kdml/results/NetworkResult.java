package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * @param trainingOnlyParameters parameters of the edge modules that trained it and are not
 *     deployed (FitNets' regressor, VID's, SRRL's connector); null when none. {@code parameters}
 *     counts what is deployed (for SimKD: the projector and the teacher's classifier included)
 */
public record NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
        ClassificationMetrics test, SegmentationMetrics segmentation, Double fidelity,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long trainingOnlyParameters) {

    /** A result without edge modules. */
    public NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
            ClassificationMetrics test, SegmentationMetrics segmentation, Double fidelity) {
        this(architecture, parameters, bestEpoch, bestValAccuracy, test, segmentation, fidelity, null);
    }

    /** @return this result with {@code trainingOnlyParameters} (kept null when 0) */
    public NetworkResult withTrainingOnly(Long count) {
        return new NetworkResult(architecture, parameters, bestEpoch, bestValAccuracy, test, segmentation, fidelity,
                count == null || count == 0 ? null : count);
    }
}
