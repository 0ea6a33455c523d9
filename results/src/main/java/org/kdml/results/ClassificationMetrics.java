package org.kdml.results;

/**
 * Accuracy, precision, recall, F1 and ROC AUC of a classifier against the truth, with the
 * confusion matrix, as scikit-learn defines them.
 *
 * <ul>
 *   <li>Two classes: precision, recall and F1 are those of class 1, the positive class (e.g.
 *       "tumour"; scikit-learn's {@code average='binary'}).
 *   <li>More classes: they are macro averages ({@code average='macro'}): the plain mean of the
 *       per-class values over the classes that occur in the truth or in the predictions (the
 *       sorted union of both). A class that occurs in neither does not count.
 *   <li>Per class, a ratio whose denominator is 0 is 0 ({@code zero_division=0}): a class that
 *       occurs in the truth but is never predicted has precision 0, one that is predicted but never
 *       occurs has recall 0, and its F1 is 0.
 *   <li>AUC is {@link RocAuc} of the predicted probabilities; {@code null} when they were not
 *       given or the AUC is undefined (a class missing from the truth).
 * </ul>
 *
 * @param accuracy share of correct predictions
 * @param precision TP / (TP + FP)
 * @param recall TP / (TP + FN)
 * @param f1 2·TP / (2·TP + FP + FN) (per class, then averaged as above)
 * @param auc area under the ROC curve (one-vs-rest macro average for more than 2 classes), or null
 * @param confusion {@code confusion[truth][predicted]} counts
 */
public record ClassificationMetrics(double accuracy, double precision, double recall, double f1, Double auc,
        long[][] confusion) {

    /**
     * Computes the metrics without AUC.
     *
     * @param truth true classes
     * @param predicted predicted classes, same length
     * @param classes number of classes
     * @return the metrics, {@code auc} null
     */
    public static ClassificationMetrics of(int[] truth, int[] predicted, int classes) {
        return of(truth, predicted, null, classes);
    }

    /**
     * Computes the metrics.
     *
     * @param truth true classes, each in {@code [0, classes)}
     * @param predicted predicted classes, same length and range
     * @param probabilities class probabilities the predictions came from, row-major
     *     {@code truth.length × classes}, for the AUC; or null for none
     * @param classes number of classes
     * @return the metrics
     */
    public static ClassificationMetrics of(int[] truth, int[] predicted, float[] probabilities, int classes) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("truth and predictions differ in length: " + truth.length + " vs "
                    + predicted.length);
        }
        if (truth.length == 0) {
            throw new IllegalArgumentException("no predictions to score");
        }
        checkLabels(truth, classes, "truth");
        checkLabels(predicted, classes, "predicted");
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
        int labels = 0;
        for (int c = classes == 2 ? 1 : 0; c < classes; c++) {
            long tp = cm[c][c];
            long fp = 0;
            long fn = 0;
            for (int k = 0; k < classes; k++) {
                if (k != c) {
                    fp += cm[k][c];
                    fn += cm[c][k];
                }
            }
            if (classes > 2 && tp + fp + fn == 0) {
                continue; // neither in the truth nor predicted: not one of the macro average's labels
            }
            p += ratio(tp, tp + fp);
            r += ratio(tp, tp + fn);
            f += ratio(2 * tp, 2 * tp + fp + fn);
            labels++;
        }
        Double auc = probabilities == null ? null : RocAuc.of(truth, probabilities, classes);
        return new ClassificationMetrics((double) correct / truth.length, p / labels, r / labels, f / labels, auc, cm);
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

    /** Rejects a class outside {@code [0, classes)}, naming the array, the position and the value. */
    static void checkLabels(int[] labels, int classes, String name) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + labels[i] + " is not a class in [0, "
                        + classes + ")");
            }
        }
    }

    private static double ratio(long num, long den) {
        return den == 0 ? 0.0 : (double) num / den;
    }

    /** @return the most probable class of each row (ties: the lower class) */
    public static int[] argmax(float[] probs, int classes) {
        int[] out = new int[probs.length / classes];
        for (int i = 0; i < out.length; i++) {
            int bestClass = 0;
            for (int c = 1; c < classes; c++) {
                if (probs[i * classes + c] > probs[i * classes + bestClass]) {
                    bestClass = c;
                }
            }
            out[i] = bestClass;
        }
        return out;
    }
}
