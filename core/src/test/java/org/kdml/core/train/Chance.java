package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.kdml.results.SegmentationMetrics;

/**
 * "Beats chance" as a bound with statistical sense, the same on every CPU: a trained number differs
 * between machines (their kernels round differently and the trajectory follows), so a test asserts
 * what no such difference can cross.
 */
final class Chance {

    /** The largest probability of the observed accuracy under guessing that still counts as chance. */
    static final double LEVEL = 1e-6;

    private Chance() {
    }

    /**
     * Asserts that {@code accuracy} on {@code n} images is beyond guessing among {@code classes}
     * balanced classes: P(X ≥ correct | n, 1/classes) ≤ {@value #LEVEL} (600 images, 2 classes: at
     * least 359 correct, 0.598).
     */
    static void assertAccuracyBeatsChance(double accuracy, int n, int classes, String what) {
        int correct = (int) Math.round(accuracy * n);
        double p = BinomialDistribution.of(n, 1.0 / classes).survivalProbability(correct - 1);
        assertTrue(p <= LEVEL, what + ": " + correct + " of " + n + " correct (accuracy " + accuracy
                + ") is chance at P = " + p + " > " + LEVEL);
    }

    /**
     * Asserts that a mask's IoU beats chance: an all-background mask has IoU 0, an all-foreground one
     * IoU p (the truth's foreground rate), a random mask at rate p about p / (2 − p); the bar is ten
     * times the best of these and at least 0.1, and the test split must hold foreground.
     */
    static void assertIouBeatsChance(SegmentationMetrics m, String what) {
        double p = (double) (m.tp() + m.fn()) / (m.tp() + m.fp() + m.fn() + m.tn());
        double chance = Math.max(p, p / (2 - p));
        assertTrue(p > 0, what + ": the test split holds foreground");
        assertTrue(m.iou() > Math.max(10 * chance, 0.1), what + ": test IoU " + m.iou() + " does not beat chance ("
                + chance + ": all foreground or a random mask at the truth's rate " + p + ")");
    }
}
