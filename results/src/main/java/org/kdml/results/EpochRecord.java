package org.kdml.results;

import java.util.Map;
import org.kdml.spec.Phase;

/**
 * What one epoch did.
 *
 * @param phase {@link Phase#TEACHER} (the teacher's own phase of KD off) or {@link Phase#JOINT}
 * @param epoch 1-based epoch number within the phase
 * @param train mean of every loss term over the epoch's steps, named {@code node/term}
 * @param validation validation metric of every network (and the ensembles): accuracy for
 *     classification, IoU for segmentation
 * @param seconds wall time of the epoch, validation included
 */
public record EpochRecord(Phase phase, int epoch, Map<String, Double> train, Map<String, Double> validation,
        double seconds) {
}
