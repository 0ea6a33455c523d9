package org.kdml.core.export;

import java.util.List;
import java.util.Map;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;
import org.kdml.results.ClassificationMetrics;
import org.kdml.results.SegmentationMetrics;
import org.kdml.spec.Task;

/**
 * Test metrics of an exported model computed on ONNX Runtime, as kdml's evaluation computes them
 * (classification: the top class; masks: foreground probability ≥ 0.5), plus what the model card
 * compares: the predictions themselves (for agreement between models) and the expected
 * calibration error.
 *
 * @param images test images
 * @param classification the classification metrics (null for masks)
 * @param ece expected calibration error, {@value Calibration#BINS} bins (null for masks)
 * @param segmentation the mask metrics (null for classification)
 * @param truth each image's label (classification)
 * @param top1 each image's predicted class (classification)
 * @param masks each image's predicted mask, concatenated (segmentation)
 * @param confusion each image's {tp, fp, fn} pixel counts, concatenated (segmentation)
 */
public record Evaluate(int images, ClassificationMetrics classification, Double ece, SegmentationMetrics segmentation,
        int[] truth, int[] top1, byte[] masks, long[] confusion) {

    /** Images per ONNX Runtime call. */
    static final int BATCH = 16;

    /** Runs {@code model} on {@code indices} of {@code data} (images normalised by the graph itself). */
    public static Evaluate on(byte[] model, LabeledImages data, Normalization norm, List<Integer> indices, Task task) {
        int side = data.imageSize();
        int per = 3 * side * side;
        int classes = data.classes();
        int n = indices.size();
        int[] truth = new int[n];
        int[] top1 = new int[n];
        float[] probs = new float[n * classes];
        SegmentationMetrics.Accumulator acc = new SegmentationMetrics.Accumulator();
        byte[] masks = task == Task.SEGMENTATION ? new byte[n * side * side] : null;
        long[] confusion = task == Task.SEGMENTATION ? new long[3 * n] : null;
        try (OnnxRunner r = OnnxRunner.of(model, 0)) {
            for (int start = 0; start < n; start += BATCH) {
                int b = Math.min(BATCH, n - start);
                float[] x = new float[b * per];
                for (int j = 0; j < b; j++) {
                    System.arraycopy(data.image(indices.get(start + j)), 0, x, j * per, per);
                }
                Map<String, float[]> out = r.run(x, b, side);
                float[] y = out.values().iterator().next();
                if (task == Task.SEGMENTATION) {
                    int plane = side * side;
                    for (int j = 0; j < b; j++) {
                        byte[] p = new byte[plane];
                        byte[] t = new byte[plane];
                        float[] m = data.mask(indices.get(start + j));
                        int at = 3 * (start + j);
                        for (int i = 0; i < plane; i++) {
                            p[i] = (byte) (y[j * plane + i] >= 0.5f ? 1 : 0);
                            t[i] = (byte) (m[i] > 0.5f ? 1 : 0);
                            confusion[at] += p[i] & t[i];
                            confusion[at + 1] += p[i] & (1 - t[i]);
                            confusion[at + 2] += (1 - p[i]) & t[i];
                        }
                        acc.add(t, p);
                        System.arraycopy(p, 0, masks, (start + j) * plane, plane);
                    }
                } else {
                    System.arraycopy(y, 0, probs, start * classes, b * classes);
                    for (int j = 0; j < b; j++) {
                        int best = 0;
                        for (int c = 1; c < classes; c++) {
                            if (y[j * classes + c] > y[j * classes + best]) {
                                best = c;
                            }
                        }
                        top1[start + j] = best;
                        truth[start + j] = data.label(indices.get(start + j));
                    }
                }
            }
        }
        if (task == Task.SEGMENTATION) {
            return new Evaluate(n, null, null, acc.result(), null, null, masks, confusion);
        }
        return new Evaluate(n, ClassificationMetrics.of(truth, top1, probs, classes),
                Calibration.expectedCalibrationError(probs, truth, classes, Calibration.BINS), null, truth, top1, null,
                null);
    }

    /** @return the task's headline metric: accuracy, or the foreground IoU */
    public double primary() {
        return classification != null ? classification.accuracy() : segmentation.iou();
    }

    /** @return how this (the int8 model's evaluation) agrees with {@code fp32}'s, with its statistics */
    public Int8Agreement int8Agreement(Evaluate fp32) {
        return classification != null ? Int8Agreement.classification(truth, fp32.top1, top1)
                : Int8Agreement.segmentation(fp32.confusion, confusion, agreement(fp32));
    }

    /** @return the share of images (classification) or pixels (masks) on which this and {@code other} agree */
    public double agreement(Evaluate other) {
        if (top1 != null) {
            int same = 0;
            for (int i = 0; i < top1.length; i++) {
                same += top1[i] == other.top1[i] ? 1 : 0;
            }
            return (double) same / top1.length;
        }
        long same = 0;
        for (int i = 0; i < masks.length; i++) {
            same += masks[i] == other.masks[i] ? 1 : 0;
        }
        return (double) same / masks.length;
    }
}
