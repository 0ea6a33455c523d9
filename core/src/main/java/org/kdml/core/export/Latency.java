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
 * @param imagesPerSecond 1000 / p50
 * @param threads ONNX Runtime's intra-op threads
 * @param runs timed calls
 */
public record Latency(double p50Ms, double p95Ms, double imagesPerSecond, int threads, int runs) {

    /** Measures {@code model} at batch 1. */
    public static Latency of(byte[] model, int side, int threads, int runs) {
        float[] x = new float[3 * side * side];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        double[] ms = new double[runs];
        try (OnnxRunner runner = OnnxRunner.of(model, threads)) {
            for (int i = 0; i < Math.max(3, runs / 5); i++) {
                runner.run(x, 1, side);
            }
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                runner.run(x, 1, side);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        double p50 = ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
        double p95 = ms[Math.min(ms.length - 1, (int) Math.ceil(0.95 * ms.length) - 1)];
        return new Latency(p50, p95, 1000 / p50, threads, runs);
    }
}
