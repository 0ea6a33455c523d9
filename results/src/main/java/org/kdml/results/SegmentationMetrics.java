package org.kdml.results;

/**
 * Overlap metrics of binary masks. The first figures sum TP/FP/FN/TN over every pixel of every
 * image of the split; {@code meanIou} and {@code meanFscore} average the per-image values. Per
 * image, when truth and prediction are both empty (TP + FP + FN = 0) IoU and F-score are 1 — the
 * prediction is perfect; over a whole split with no foreground at all, likewise.
 *
 * @param iou TP / (TP + FP + FN)
 * @param fscore 2TP / (2TP + FP + FN) (the Dice coefficient)
 * @param pixelAccuracy (TP + TN) / all pixels
 * @param meanIou mean of per-image IoU
 * @param meanFscore mean of per-image F-score
 * @param tp true-positive pixels
 * @param fp false-positive pixels
 * @param fn false-negative pixels
 * @param tn true-negative pixels
 * @param images number of images
 */
public record SegmentationMetrics(double iou, double fscore, double pixelAccuracy, double meanIou, double meanFscore,
        long tp, long fp, long fn, long tn, int images) {

    /** Accumulates pixel counts image by image. */
    public static final class Accumulator {
        private long tp;
        private long fp;
        private long fn;
        private long tn;
        private double iouSum;
        private double fSum;
        private int images;

        /**
         * Adds one image.
         *
         * @param truth 0/1 truth pixels
         * @param predicted 0/1 predicted pixels, same length
         * @return the image's IoU
         */
        public double add(byte[] truth, byte[] predicted) {
            if (truth.length != predicted.length) {
                throw new IllegalArgumentException("mask sizes differ: " + truth.length + " vs " + predicted.length);
            }
            long a = 0;
            long b = 0;
            long c = 0;
            long d = 0;
            for (int i = 0; i < truth.length; i++) {
                boolean t = truth[i] != 0;
                boolean p = predicted[i] != 0;
                if (t && p) {
                    a++;
                } else if (p) {
                    b++;
                } else if (t) {
                    c++;
                } else {
                    d++;
                }
            }
            tp += a;
            fp += b;
            fn += c;
            tn += d;
            double iou = iou(a, b, c);
            iouSum += iou;
            fSum += fscore(a, b, c);
            images++;
            return iou;
        }

        /** @return the metrics so far */
        public SegmentationMetrics result() {
            if (images == 0) {
                throw new IllegalStateException("no images to score");
            }
            return new SegmentationMetrics(iou(tp, fp, fn), fscore(tp, fp, fn),
                    (double) (tp + tn) / (tp + fp + fn + tn), iouSum / images, fSum / images, tp, fp, fn, tn, images);
        }
    }

    /** IoU with the empty–empty convention (1). */
    public static double iou(long tp, long fp, long fn) {
        return tp + fp + fn == 0 ? 1.0 : (double) tp / (tp + fp + fn);
    }

    /** F-score (Dice) with the empty–empty convention (1). */
    public static double fscore(long tp, long fp, long fn) {
        return tp + fp + fn == 0 ? 1.0 : 2.0 * tp / (2 * tp + fp + fn);
    }
}
