package org.kdml.core.export;

import java.util.Arrays;
import java.util.Random;

/**
 * Batch-1 latency of a model on ONNX Runtime: {@code runs} timed calls on one random image after
 * {@code runs / 5} (at least 3) warm-up calls, reported as the median, the 95th percentile (nearest
 * rank) and images per second at the median.
 *
 * @param p50Ms the median, milliseconds
 * @param p95Ms the 95th percentile, milliseconds
 * @param imagesPerSecond images per call × 1000 / p50
 * @param threads ONNX Runtime's intra-op threads
 * @param runs timed calls
 */
public record Latency(double p50Ms, double p95Ms, double imagesPerSecond, int threads, int runs) {

    /** Measures {@code model} at batch 1. */
    public static Latency of(byte[] model, int side, int threads, int runs) {
        return of(model, side, 1, threads, runs);
    }

    /** Measures {@code model} on batches of {@code batch} random images. */
    public static Latency of(byte[] model, int side, int batch, int threads, int runs) {
        float[] x = new float[batch * 3 * side * side];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        double[] ms = new double[runs];
        try (OnnxRunner runner = OnnxRunner.of(model, threads)) {
            for (int i = 0; i < Math.max(3, runs / 5); i++) {
                runner.run(x, batch, side);
            }
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                runner.run(x, batch, side);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return of(ms, batch, threads);
    }

    /**
     * Summarises timed calls.
     *
     * @param ms each call's milliseconds (not modified)
     * @param batch images per call
     */
    public static Latency of(double[] ms, int batch, int threads) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double p50 = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        double p95 = s[Math.min(s.length - 1, (int) Math.ceil(0.95 * s.length) - 1)];
        return new Latency(p50, p95, batch * 1000 / p50, threads, s.length);
    }
}
