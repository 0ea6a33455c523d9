package org.kdml.core.train;

import java.util.Map;

/**
 * What one epoch did.
 *
 * @param phase {@code teacher} (the teacher's own phase of KD off) or {@code joint}
 * @param epoch 1-based epoch number within the phase
 * @param train mean of every loss term over the epoch's steps, named {@code node/term}
 * @param valAccuracy validation accuracy of every network (and {@code ensemble})
 * @param seconds wall time of the epoch, validation included
 */
public record EpochRecord(String phase, int epoch, Map<String, Double> train, Map<String, Double> valAccuracy,
        double seconds) {
}
