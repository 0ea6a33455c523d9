package org.kdml.core.export;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.BetaDistribution;
import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.kdml.results.SegmentationMetrics;
import org.kdml.report.Stats;

/**
 * How the int8 model agrees with the FP32 one on the test images, with the statistics that say what
 * a test split of this size can tell.
 *
 * <p>The export's goals: on classification, the int8 model predicts the FP32 model's class on at least
 * {@value #AGREEMENT_GOAL} of images and its accuracy moves by at most {@value #CHANGE_GOAL}; on
 * segmentation, its foreground IoU moves by at most {@value #CHANGE_GOAL}. {@link #meetsGoal()} says
 * whether the measured numbers reach them. On a few dozen images one flipped image moves agreement
 * by more than a point, and the trained model itself differs between CPUs, so a test asserts
 * {@link #consistentWithGoal()} instead: the measurement does not contradict the goals at level
 * {@value #ALPHA} —
 * <ul>
 *   <li>classification: the exact binomial probability of seeing at least this many disagreements if
 *       the true disagreement rate were {@code 1 − AGREEMENT_GOAL} is ≥ {@value #ALPHA}
 *       (e.g. 600 images: up to 15 disagreements pass, 16 do not, since
 *       P(X ≥ 16 | 600, 0.01) = 0.0005); and</li>
 *   <li>both tasks: the {@code 1 − ALPHA} paired bootstrap interval of the metric's change (images
 *       resampled with replacement, the same draw for both models, {@value #RESAMPLES} draws, a fixed
 *       seed) overlaps [−CHANGE_GOAL, CHANGE_GOAL].</li>
 * </ul>
 *
 * @param images test images
 * @param disagreements images whose top class differs (classification; null for masks)
 * @param agreement share of images (classification) or pixels (masks) on which both models agree
 * @param disagreementUpper95 Clopper–Pearson one-sided 95 % upper bound of the disagreement rate
 *     (classification; null for masks)
 * @param pDisagreementsIfGoalHeld P(X ≥ disagreements) for X ~ Binomial(images, 1 − AGREEMENT_GOAL)
 *     (classification; null for masks)
 * @param primaryMetricChange int8 minus FP32 accuracy (classification) or IoU (masks)
 * @param changeInterval95 the paired bootstrap 95 % interval of that change
 * @param changeInterval999 the paired bootstrap 99.9 % interval of that change
 * @param meetsGoal whether the measured numbers reach the goals
 * @param consistentWithGoal whether the measurement is consistent with the goals at level {@value #ALPHA}
 */
public record Int8Agreement(int images, Integer disagreements, double agreement, Double disagreementUpper95,
        Double pDisagreementsIfGoalHeld, double primaryMetricChange, List<Double> changeInterval95,
        List<Double> changeInterval999, boolean meetsGoal, boolean consistentWithGoal) {

    /** Share of images on which the int8 model must predict the FP32 model's class. */
    public static final double AGREEMENT_GOAL = 0.99;

    /** Largest change of accuracy or IoU the int8 model may make. */
    public static final double CHANGE_GOAL = 0.01;

    /** Level at which a measurement is said to contradict the goals. */
    public static final double ALPHA = 0.001;

    /** Bootstrap draws. */
    public static final int RESAMPLES = 4000;

    private static final long SEED = 20261207L;

    /**
     * Classification: compares the predictions of two models on the same images.
     *
     * @param truth the labels
     * @param fp32 the FP32 model's predicted classes
     * @param int8 the int8 model's predicted classes
     * @throws IllegalArgumentException when the arrays differ in length or are empty
     */
    public static Int8Agreement classification(int[] truth, int[] fp32, int[] int8) {
        int n = truth.length;
        if (n == 0 || fp32.length != n || int8.length != n) {
            throw new IllegalArgumentException("int8 agreement: " + n + " labels, " + fp32.length + " FP32 and "
                    + int8.length + " int8 predictions");
        }
        int k = 0;
        boolean[] right8 = new boolean[n];
        boolean[] right32 = new boolean[n];
        for (int i = 0; i < n; i++) {
            k += fp32[i] != int8[i] ? 1 : 0;
            right8[i] = int8[i] == truth[i];
            right32[i] = fp32[i] == truth[i];
        }
        Stats.Interval i95 = Stats.pairedBootstrap(right8, right32, 0.95, RESAMPLES, SEED);
        Stats.Interval i999 = Stats.pairedBootstrap(right8, right32, 1 - ALPHA, RESAMPLES, SEED);
        double change = i95.difference();
        List<List<Double>> intervals = List.of(List.of(i95.low(), i95.high()), List.of(i999.low(), i999.high()));
        double p = pAtLeast(k, n, 1 - AGREEMENT_GOAL);
        double agreement = 1 - (double) k / n;
        boolean meets = agreement >= AGREEMENT_GOAL && Math.abs(change) <= CHANGE_GOAL;
        boolean consistent = p >= ALPHA && overlapsGoal(intervals.get(1));
        return new Int8Agreement(n, k, agreement, upperBound(k, n, 0.95), p, change, intervals.get(0),
                intervals.get(1),
                meets, consistent);
    }

    /**
     * Segmentation: compares the masks of two models on the same images by their confusion counts.
     *
     * @param fp32 per image {tp, fp, fn} of the FP32 model's mask, 3 values an image
     * @param int8 the same for the int8 model
     * @param pixelAgreement share of pixels on which the two masks agree
     */
    public static Int8Agreement segmentation(long[] fp32, long[] int8, double pixelAgreement) {
        if (fp32.length == 0 || fp32.length % 3 != 0 || int8.length != fp32.length) {
            throw new IllegalArgumentException("int8 agreement: " + fp32.length + " FP32 and " + int8.length
                    + " int8 confusion counts (3 an image)");
        }
        int n = fp32.length / 3;
        SplittableRandom random = new SplittableRandom(SEED);
        double change = iou(int8, null) - iou(fp32, null);
        double[] draws = new double[RESAMPLES];
        int[] pick = new int[n];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int i = 0; i < n; i++) {
                pick[i] = random.nextInt(n);
            }
            draws[r] = iou(int8, pick) - iou(fp32, pick);
        }
        List<Double> i95 = percentiles(draws, 0.05);
        List<Double> i999 = percentiles(draws, ALPHA);
        return new Int8Agreement(n, null, pixelAgreement, null, null, change, i95, i999,
                Math.abs(change) <= CHANGE_GOAL, overlapsGoal(i999));
    }

    /** IoU of the summed counts of the images {@code pick} (all images when null). */
    private static double iou(long[] counts, int[] pick) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        int n = pick == null ? counts.length / 3 : pick.length;
        for (int j = 0; j < n; j++) {
            int i = pick == null ? j : pick[j];
            tp += counts[3 * i];
            fp += counts[3 * i + 1];
            fn += counts[3 * i + 2];
        }
        return SegmentationMetrics.iou(tp, fp, fn);
    }

    /** The two-sided {@code 1 − alpha} percentile interval of {@code draws} (sorted in place). */
    static List<Double> percentiles(double[] draws, double alpha) {
        double[] ends = Stats.percentileInterval(draws, 1 - alpha);
        return List.of(ends[0], ends[1]);
    }

    private static boolean overlapsGoal(List<Double> interval) {
        return interval.get(0) <= CHANGE_GOAL && interval.get(1) >= -CHANGE_GOAL;
    }

    /** @return P(X ≥ k) for X ~ Binomial(n, p) */
    static double pAtLeast(int k, int n, double p) {
        return k == 0 ? 1.0 : BinomialDistribution.of(n, p).survivalProbability(k - 1);
    }

    /** @return the Clopper–Pearson one-sided {@code level} upper bound of a rate with k successes in n */
    static double upperBound(int k, int n, double level) {
        return k == n ? 1.0 : BetaDistribution.of(k + 1, n - k).inverseCumulativeProbability(level);
    }
}
