package org.kdml.spec;

import java.util.Arrays;
import java.util.List;

/**
 * Mean and sample standard deviation of a metric over seeds: the one place kdml computes a
 * mean ± std, in {@code spec} so that services without the engine can use it too.
 *
 * @param mean the mean
 * @param std the sample standard deviation (0 for a single value)
 * @param n how many values
 */
public record Summary(double mean, double std, int n) {

    /** Checks the count and the spread. */
    public Summary {
        if (n < 1) {
            throw new IllegalArgumentException("n: a summary needs at least one value, got " + n);
        }
        if (!(std >= 0) && !Double.isNaN(std)) {
            throw new IllegalArgumentException("std: must be >= 0, got " + std);
        }
    }

    /**
     * Summarises {@code values}.
     *
     * @throws IllegalArgumentException when there are none
     */
    public static Summary of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("nothing to summarise");
        }
        double m = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double ss = values.stream().mapToDouble(v -> (v - m) * (v - m)).sum();
        double s = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0.0;
        return new Summary(m, s, values.size());
    }

    /** Summarises {@code values}; see {@link #of(List)}. */
    public static Summary of(double... values) {
        return of(Arrays.stream(values).boxed().toList());
    }

    /** @return {@code mean±std} with three decimals, or just the mean for one value */
    @Override
    public String toString() {
        return n > 1 ? String.format("%.3f±%.3f", mean, std) : String.format("%.3f", mean);
    }
}
