package org.kdml.results;

import java.util.Arrays;

/**
 * Area under the ROC curve of predicted class probabilities, as scikit-learn's
 * {@code roc_auc_score} computes it. For two classes it is the AUC of the class-1 probability; for
 * more it is the one-vs-rest macro average ({@code multi_class='ovr', average='macro'}): each
 * class's probability scored against "this class or not", then the plain mean over classes.
 *
 * <p>Each AUC is the Mann–Whitney rank statistic: the share of (positive, negative) pairs in which
 * the positive example scores higher, a tie counting ½. That equals the trapezoidal area under the
 * ROC curve.
 *
 * <p>Undefined cases give {@code null}, never NaN (so {@code result.json} carries {@code null}):
 * a class with no positive or no negative example in the truth has no ROC curve, and then the whole
 * AUC is {@code null} — for two classes as for more (scikit-learn raises in both cases; averaging
 * over the remaining classes would make AUCs of different test splits incomparable). A NaN
 * probability also makes it {@code null}.
 */
public final class RocAuc {

    private RocAuc() {
    }

    /**
     * The ROC AUC.
     *
     * @param truth true classes, each in {@code [0, classes)}
     * @param probabilities class probabilities, row-major {@code truth.length × classes}
     * @param classes number of classes, at least 2
     * @return the AUC, or {@code null} when it is undefined (see the class comment)
     */
    public static Double of(int[] truth, float[] probabilities, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("ROC AUC needs at least 2 classes, got " + classes);
        }
        if (probabilities.length != (long) truth.length * classes) {
            throw new IllegalArgumentException("probabilities have " + probabilities.length + " values, expected "
                    + truth.length + " examples × " + classes + " classes");
        }
        ClassificationMetrics.checkLabels(truth, classes, "truth");
        if (classes == 2) {
            return defined(oneVsRest(truth, probabilities, 2, 1));
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            double auc = oneVsRest(truth, probabilities, classes, c);
            if (Double.isNaN(auc)) {
                return null;
            }
            sum += auc;
        }
        return sum / classes;
    }

    private static Double defined(double auc) {
        return Double.isNaN(auc) ? null : auc;
    }

    /** AUC of column {@code c} for "class {@code c}" against the rest; NaN when undefined. */
    private static double oneVsRest(int[] truth, float[] probabilities, int classes, int c) {
        int n = truth.length;
        float[] score = new float[n];
        Integer[] order = new Integer[n];
        long positives = 0;
        for (int i = 0; i < n; i++) {
            score[i] = probabilities[i * classes + c];
            if (Float.isNaN(score[i])) {
                return Double.NaN;
            }
            order[i] = i;
            if (truth[i] == c) {
                positives++;
            }
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        Arrays.sort(order, (a, b) -> Float.compare(score[a], score[b]));
        // Sum of the positives' ranks (1-based), tied scores sharing the mean of their ranks.
        double rankSum = 0;
        for (int start = 0; start < n;) {
            int end = start;
            long tiedPositives = 0;
            while (end < n && score[order[end]] == score[order[start]]) {
                if (truth[order[end]] == c) {
                    tiedPositives++;
                }
                end++;
            }
            double meanRank = (start + 1 + end) / 2.0;
            rankSum += tiedPositives * meanRank;
            start = end;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
