package org.kdml.core.metrics;

/**
 * Accuracy, precision, recall and F1 of predicted classes against the truth, with the confusion
 * matrix. For two classes precision and recall are those of class 1 (the positive class, e.g.
 * "tumour"); for more they are macro averages over classes. A class that is never predicted has
 * precision 0 (and one that never occurs has recall 0), the scikit-learn {@code zero_division=0}
 * convention.
 *
 * @param accuracy share of correct predictions
 * @param precision TP / (TP + FP)
 * @param recall TP / (TP + FN)
 * @param f1 2·TP / (2·TP + FP + FN) (per class, then averaged as above)
 * @param confusion {@code confusion[truth][predicted]} counts
 */
public record ClassificationMetrics(double accuracy, double precision, double recall, double f1, long[][] confusion) {

    /**
     * Computes the metrics.
     *
     * @param truth true classes
     * @param predicted predicted classes, same length
     * @param classes number of classes
     * @return the metrics
     */
    public static ClassificationMetrics of(int[] truth, int[] predicted, int classes) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("truth and predictions differ in length: " + truth.length + " vs "
                    + predicted.length);
        }
        if (truth.length == 0) {
            throw new IllegalArgumentException("no predictions to score");
        }
        long[][] cm = new long[classes][classes];
        long correct = 0;
        for (int i = 0; i < truth.length; i++) {
            cm[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        double p = 0;
        double r = 0;
        double f = 0;
        int first = classes == 2 ? 1 : 0;
        for (int c = first; c < classes; c++) {
            long tp = cm[c][c];
            long fp = 0;
            long fn = 0;
            for (int k = 0; k < classes; k++) {
                if (k != c) {
                    fp += cm[k][c];
                    fn += cm[c][k];
                }
            }
            p += ratio(tp, tp + fp);
            r += ratio(tp, tp + fn);
            f += ratio(2 * tp, 2 * tp + fp + fn);
        }
        int n = classes - first;
        return new ClassificationMetrics((double) correct / truth.length, p / n, r / n, f / n, cm);
    }

    /** @return the share of positions where {@code a} and {@code b} agree (fidelity) */
    public static double agreement(int[] a, int[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("need two non-empty prediction arrays of equal length, got " + a.length
                    + " and " + b.length);
        }
        long same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return (double) same / a.length;
    }

    private static double ratio(long num, long den) {
        return den == 0 ? 0.0 : (double) num / den;
    }
}
