package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;

/**
 * What differs between tasks in a node's loss: the task loss itself and the prediction term.
 * Feature terms are the same MSE for every task.
 */
public interface TaskLoss {

    /** Classification: cross-entropy, and {@code T²·KL} of softened class probabilities. */
    TaskLoss CLASSIFICATION = new TaskLoss() {
        @Override
        public NDArray task(NDArray logits, NDArray target) {
            return Terms.crossEntropy(logits, target);
        }

        @Override
        public NDArray prediction(NDArray source, NDArray target, double temperature) {
            return Terms.softKl(source, target, temperature);
        }
    };

    /** Segmentation with focal loss of exponent {@code gamma}: focal + Dice, and per-pixel {@code T²·KL}. */
    static TaskLoss segmentation(double gamma) {
        return new TaskLoss() {
            @Override
            public NDArray task(NDArray logits, NDArray target) {
                return SegTerms.focalDice(logits, target, gamma);
            }

            @Override
            public NDArray prediction(NDArray source, NDArray target, double temperature) {
                return SegTerms.softKl(source, target, temperature);
            }
        };
    }

    /** @return the task loss of {@code logits} against {@code target} */
    NDArray task(NDArray logits, NDArray target);

    /** @return the prediction term from {@code source} (detached) to {@code target} */
    NDArray prediction(NDArray source, NDArray target, double temperature);
}
