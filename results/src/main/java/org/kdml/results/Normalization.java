package org.kdml.results;

import java.util.List;
import java.util.function.IntFunction;

/**
 * Per-channel normalisation {@code (x - mean) / std}, with statistics computed on the training
 * split only (recorded with the results).
 *
 * @param mean per-channel means
 * @param std per-channel standard deviations (> 0)
 */
public record Normalization(double[] mean, double[] std) {

    /** Validates the statistics. */
    public Normalization {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean and std lengths differ: " + mean.length + " vs " + std.length);
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + s);
            }
        }
    }

    /**
     * Computes per-channel statistics over {@code indices} of a data set.
     *
     * @param imageSize the images' side in pixels
     * @param image the image of an index, 3 planes of {@code imageSize²} values
     */
    public static Normalization fit(int imageSize, IntFunction<float[]> image, List<Integer> indices) {
        int plane = imageSize * imageSize;
        double[] sum = new double[3];
        double[] sq = new double[3];
        for (int i : indices) {
            float[] img = image.apply(i);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    double v = img[c * plane + p];
                    sum[c] += v;
                    sq[c] += v * v;
                }
            }
        }
        double n = (double) indices.size() * plane;
        double[] mean = new double[3];
        double[] std = new double[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = sum[c] / n;
            std[c] = Math.sqrt(Math.max(sq[c] / n - mean[c] * mean[c], 1e-12));
        }
        return new Normalization(mean, std);
    }

    /** Writes normalised {@code img} into {@code out} at {@code offset}. */
    public void apply(float[] img, float[] out, int offset) {
        int plane = img.length / 3;
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int p = 0; p < plane; p++) {
                out[offset + c * plane + p] = (img[c * plane + p] - m) / s;
            }
        }
    }
}
