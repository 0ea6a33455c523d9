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
 * @param imagenetParameters the parameters of this architecture as papers count them: its backbone
 *     with a 1000-class ImageNet classifier, without kdml's adapter and this run's head (the paper's
 *     26 M / 11 M); null for the ensemble, U-Nets, and results of older versions
 */
public record NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
        ClassificationMetrics test, SegmentationMetrics segmentation, Double fidelity,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long trainingOnlyParameters,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long imagenetParameters) {

    /** A result without edge modules. */
    public NetworkResult(String architecture, long parameters, int bestEpoch, double bestValAccuracy,
            ClassificationMetrics test, SegmentationMetrics segmentation, Double fidelity) {
        this(architecture, parameters, bestEpoch, bestValAccuracy, test, segmentation, fidelity, null, null);
    }

    /** @return this result with {@code trainingOnlyParameters} (kept null when 0) */
    public NetworkResult withTrainingOnly(Long count) {
        return new NetworkResult(architecture, parameters, bestEpoch, bestValAccuracy, test, segmentation, fidelity,
                count == null || count == 0 ? null : count, imagenetParameters);
    }

    /** @return this result with {@code imagenetParameters} */
    public NetworkResult withImagenetParameters(Long count) {
        return new NetworkResult(architecture, parameters, bestEpoch, bestValAccuracy, test, segmentation, fidelity,
                trainingOnlyParameters, count);
    }
}
