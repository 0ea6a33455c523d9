package org.kdml.core.metrics;

import java.util.List;

/**
 * Mean and sample standard deviation of a metric over seeds.
 *
 * @param mean the mean
 * @param std the sample standard deviation (0 for a single value)
 * @param n how many values
 */
public record Summary(double mean, double std, int n) {

    /** Summarises {@code values}. */
    public static Summary of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("nothing to summarise");
        }
        double m = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double ss = values.stream().mapToDouble(v -> (v - m) * (v - m)).sum();
        double s = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0.0;
        return new Summary(m, s, values.size());
    }

    @Override
    public String toString() {
        return n > 1 ? String.format("%.3f±%.3f", mean, std) : String.format("%.3f", mean);
    }
}
