package org.kdml.core.export;

/**
 * Expected calibration error (Guo et al., ICML 2017): the predictions binned by confidence (the
 * top class's probability) into equal-width bins over [0, 1], and
 * {@code ECE = Σ_b (n_b / N)·|acc_b − conf_b|}. A confidence of exactly 1 falls in the last bin;
 * empty bins count 0.
 */
public final class Calibration {

    /** The bins of the model card's ECE. */
    public static final int BINS = 15;

    private Calibration() {
    }

    /**
     * @param probabilities (n, classes) row-major
     * @param truth the labels, n of them
     * @param bins the number of bins (≥ 1)
     * @throws IllegalArgumentException when the sizes disagree or there is nothing to bin
     */
    public static double expectedCalibrationError(float[] probabilities, int[] truth, int classes, int bins) {
        int n = truth.length;
        if (n == 0 || probabilities.length != n * classes || bins < 1) {
            throw new IllegalArgumentException("ece: " + probabilities.length + " probabilities for " + n + " labels of "
                    + classes + " classes in " + bins + " bins");
        }
        double[] confidence = new double[bins];
        double[] correct = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
                    best = c;
                }
            }
            double p = probabilities[i * classes + best];
            int b = Math.min(bins - 1, (int) (p * bins));
            confidence[b] += p;
            correct[b] += best == truth[i] ? 1 : 0;
            count[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += Math.abs(correct[b] / count[b] - confidence[b] / count[b]) * count[b] / n;
            }
        }
        return ece;
    }
}
