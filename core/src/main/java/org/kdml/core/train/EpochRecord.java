package org.kdml.core.train;

import java.util.Map;

/**
 * What one epoch did.
 *
 * @param phase {@code teacher} (the teacher's own phase of KD off) or {@code joint}
 * @param epoch 1-based epoch number within the phase
 * @param train mean of every loss term over the epoch's steps, named {@code node/term}
 * @param validation validation metric of every network (and the ensembles): accuracy for
 *     classification, IoU for segmentation
 * @param seconds wall time of the epoch, validation included
 */
public record EpochRecord(String phase, int epoch, Map<String, Double> train, Map<String, Double> validation,
        double seconds) {
}
