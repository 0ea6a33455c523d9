package org.kdml.report;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.apache.commons.statistics.distribution.TDistribution;
import org.kdml.spec.Summary;

/**
 * The report's tests, with distributions from Apache Commons Statistics: a paired t-test over seeds,
 * McNemar's exact test and a paired bootstrap interval of two networks' accuracy on the same test
 * images, and Holm's correction over a family of comparisons. A test that the data cannot support
 * (too few pairs, no spread of the differences, no discordant images) is <em>undefined</em>, with
 * the reason, never a p-value.
 */
public final class Stats {

    /**
     * Differences whose standard deviation is below this share of their scale count as having none:
     * two seeds that differ by the same amount up to float rounding must not give t = 10¹⁴.
     */
    static final double ZERO_SPREAD = 1e-9;

    private Stats() {
    }

    /**
     * The paired t-test of {@code a − b}.
     *
     * @param meanDiff mean of the differences
     * @param t the t statistic (NaN when undefined)
     * @param df degrees of freedom (pairs − 1)
     * @param p two-sided p-value (NaN when undefined)
     * @param undefined why there is no test, or null when there is one
     */
    public record Paired(double meanDiff, double t, int df, double p, String undefined) {

        /** @return whether the test is defined */
        public boolean defined() {
            return undefined == null;
        }
    }

    /** Paired t-test of equal-length samples. */
    public static Paired pairedT(double[] a, double[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("need paired samples of equal, non-zero length, got " + a.length + " and "
                    + b.length);
        }
        int n = a.length;
        double[] diffs = new double[n];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            diffs[i] = a[i] - b[i];
            scale = Math.max(scale, Math.max(Math.abs(a[i]), Math.abs(b[i])));
        }
        Summary d = Summary.of(diffs);
        double mean = d.mean();
        if (n < 2) {
            return new Paired(mean, Double.NaN, 0, Double.NaN, "undefined: one pair (seed)");
        }
        double sd = d.std();
        if (!(sd > ZERO_SPREAD * Math.max(scale, 1e-300))) {
            return new Paired(mean, Double.NaN, n - 1, Double.NaN, mean == 0 ? "undefined: no difference on any seed"
                    : "undefined: the same difference on every seed (no spread to test against)");
        }
        double t = mean / (sd / Math.sqrt(n));
        int df = n - 1;
        return new Paired(mean, t, df, twoSidedP(t, df), null);
    }

    /** @return the two-sided p-value of Student's t with {@code df} degrees of freedom */
    public static double twoSidedP(double t, int df) {
        return Math.min(1.0, 2 * TDistribution.of(df).survivalProbability(Math.abs(t)));
    }

    /**
     * McNemar's exact test of two classifiers on the same images: of the discordant images, {@code b}
     * that only the first gets right and {@code c} that only the second gets right; under "equally
     * accurate" each discordant image is a fair coin, so the two-sided p-value is
     * {@code min(1, 2·P(X ≤ min(b, c)))} for X ~ Binomial(b + c, ½).
     *
     * @param b images the first classifier gets right and the second wrong
     * @param c images the second gets right and the first wrong
     * @param p two-sided p-value (NaN when undefined)
     * @param undefined why there is no test (no discordant image), or null
     */
    public record McNemar(int b, int c, double p, String undefined) {
    }

    /** McNemar's exact test from the discordant counts. */
    public static McNemar mcNemar(int b, int c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("discordant counts must be >= 0, got " + b + " and " + c);
        }
        if (b + c == 0) {
            return new McNemar(b, c, Double.NaN, "undefined: the two agree on every image");
        }
        double p = 2 * BinomialDistribution.of(b + c, 0.5).cumulativeProbability(Math.min(b, c));
        return new McNemar(b, c, Math.min(1.0, p), null);
    }

    /** McNemar's exact test of per-image correctness ({@code true} = right) of two classifiers. */
    public static McNemar mcNemar(boolean[] first, boolean[] second) {
        requirePaired(first.length, second.length);
        int b = 0;
        int c = 0;
        for (int i = 0; i < first.length; i++) {
            b += first[i] && !second[i] ? 1 : 0;
            c += !first[i] && second[i] ? 1 : 0;
        }
        return mcNemar(b, c);
    }

    /**
     * A paired bootstrap interval.
     *
     * @param difference the observed difference (first − second accuracy)
     * @param low the interval's lower end
     * @param high its upper end
     * @param level its coverage, e.g. 0.95
     * @param resamples bootstrap draws
     */
    public record Interval(double difference, double low, double high, double level, int resamples) {
    }

    /**
     * The percentile bootstrap interval of the accuracy difference of two classifiers on the same
     * images: images are drawn with replacement, the same draw for both, {@code resamples} times
     * with a fixed {@code seed} (the same data, the same interval).
     */
    public static Interval pairedBootstrap(boolean[] first, boolean[] second, double level, int resamples, long seed) {
        requirePaired(first.length, second.length);
        int n = first.length;
        int[] delta = new int[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            delta[i] = (first[i] ? 1 : 0) - (second[i] ? 1 : 0);
            sum += delta[i];
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] draws = new double[resamples];
        for (int k = 0; k < resamples; k++) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += delta[r.nextInt(n)];
            }
            draws[k] = (double) s / n;
        }
        double[] ends = percentileInterval(draws, level);
        return new Interval((double) sum / n, ends[0], ends[1], level, resamples);
    }

    /**
     * The two-sided percentile interval of bootstrap {@code draws} (sorted in place) covering
     * {@code level}: the draws at ranks ⌊(1 − level)/2 · (B − 1)⌋ and ⌈(1 + level)/2 · (B − 1)⌉.
     */
    public static double[] percentileInterval(double[] draws, double level) {
        Arrays.sort(draws);
        double alpha = 1 - level;
        int lo = (int) Math.floor(alpha / 2 * (draws.length - 1));
        int hi = (int) Math.ceil((1 - alpha / 2) * (draws.length - 1));
        return new double[] {draws[lo], draws[hi]};
    }

    /**
     * Holm's step-down correction of a family of p-values: sorted ascending, the i-th (from 0) is
     * multiplied by {@code m − i} and kept at least as large as the one before, capped at 1; NaN
     * (undefined) entries are left out of the family and stay NaN.
     *
     * @return the adjusted p-values, in the order given
     */
    public static double[] holm(double[] p) {
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        List<Integer> order = IntStream.range(0, p.length).filter(i -> !Double.isNaN(p[i])).boxed()
                .sorted(Comparator.comparingDouble(i -> p[i])).toList();
        int m = order.size();
        double running = 0;
        for (int k = 0; k < m; k++) {
            int i = order.get(k);
            running = Math.max(running, Math.min(1.0, (m - k) * p[i]));
            out[i] = running;
        }
        return out;
    }

    private static void requirePaired(int a, int b) {
        if (a != b || a == 0) {
            throw new IllegalArgumentException("need paired samples of equal, non-zero length, got " + a + " and " + b);
        }
    }
}
