package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kdml.spec.Summary;

class ClassificationMetricsTest {

    /** truth 1,1,1,0,0; predicted 1,0,1,1,0 → TP 2, FN 1, FP 1, TN 1. */
    @Test
    void binaryMetricsAreThoseOfThePositiveClass() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {1, 1, 1, 0, 0}, new int[] {1, 0, 1, 1, 0}, 2);
        assertEquals(0.6, m.accuracy(), 1e-12);
        assertEquals(2.0 / 3, m.precision(), 1e-12);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        assertEquals(4.0 / 6, m.f1(), 1e-12);
        assertArrayEquals(new long[] {1, 1}, m.confusion()[0]);
        assertArrayEquals(new long[] {1, 2}, m.confusion()[1]);
    }

    /**
     * Three classes, truth 0,0,1,1,2,2, predicted 0,1,1,1,2,0. Class 0: TP 1 FP 1 FN 1 → P ½ R ½;
     * class 1: TP 2 FP 1 FN 0 → P ⅔ R 1; class 2: TP 1 FP 0 FN 1 → P 1 R ½. Macro P = 13/18, R = 2/3.
     */
    @Test
    void multiClassMetricsAreMacroAverages() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 0, 1, 1, 2, 2}, new int[] {0, 1, 1, 1, 2, 0}, 3);
        assertEquals(4.0 / 6, m.accuracy(), 1e-12);
        assertEquals(13.0 / 18, m.precision(), 1e-12);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        assertEquals(59.0 / 90, m.f1(), 1e-12);
    }

    /**
     * The same six examples with 5 classes: classes 3 and 4 occur neither in the truth nor in the
     * predictions, so they are not among the macro average's labels (scikit-learn's
     * {@code average='macro'}): still P = 13/18, R = 2/3, and F1 = (½ + 4/5 + ⅔)/3 = 59/90 (class 0:
     * 2·1/(2+1+1), class 1: 2·2/(4+1+0), class 2: 2·1/(2+0+1)). Averaging over all 5 would give
     * 13/30, 2/5 and 59/150.
     */
    @Test
    void macroAveragesSkipClassesAbsentFromTruthAndPredictions() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 0, 1, 1, 2, 2}, new int[] {0, 1, 1, 1, 2, 0}, 5);
        assertEquals(4.0 / 6, m.accuracy(), 1e-12);
        assertEquals(13.0 / 18, m.precision(), 1e-12);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        assertEquals(59.0 / 90, m.f1(), 1e-12);
        assertEquals(5, m.confusion().length);
    }

    /**
     * Truth 0,0,1,2 and predicted 0,3,1,2 with 5 classes: the labels are {0, 1, 2, 3} (class 3 is
     * predicted once but never occurs; class 4 is nowhere). Class 0: TP 1 FP 0 FN 1 → P 1, R ½, F1
     * ⅔; classes 1 and 2: P = R = F1 = 1; class 3: TP 0 FP 1 FN 0 → P 0, R 0/0 = 0, F1 0. Macro P =
     * 3/4, R = 5/8, F1 = (⅔ + 2)/4 = 2/3.
     */
    @Test
    void aClassOnlyPredictedCountsWithZeroRecall() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 0, 1, 2}, new int[] {0, 3, 1, 2}, 5);
        assertEquals(0.75, m.precision(), 1e-12);
        assertEquals(5.0 / 8, m.recall(), 1e-12);
        assertEquals(2.0 / 3, m.f1(), 1e-12);
    }

    /** Binary metrics stay those of class 1, even when class 1 occurs nowhere (then all are 0). */
    @Test
    void binaryMetricsIgnoreClassZero() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 0, 0}, new int[] {0, 0, 0}, 2);
        assertEquals(1.0, m.accuracy());
        assertEquals(0.0, m.precision());
        assertEquals(0.0, m.recall());
        assertEquals(0.0, m.f1());
    }

    @Test
    void aClassOutsideTheRangeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 2}, 2));
        assertEquals("predicted[1] = 2 is not a class in [0, 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new int[] {-1, 1}, new int[] {0, 1}, 2));
        assertEquals("truth[0] = -1 is not a class in [0, 2)", e.getMessage());
    }

    @Test
    void aClassNeverPredictedHasPrecisionZero() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {1, 0}, new int[] {0, 0}, 2);
        assertEquals(0.0, m.precision());
        assertEquals(0.0, m.recall());
    }

    @Test
    void agreementAndSummary() {
        assertEquals(0.75, ClassificationMetrics.agreement(new int[] {1, 0, 1, 1}, new int[] {1, 0, 0, 1}));
        Summary s = Summary.of(List.of(0.8, 0.9, 1.0));
        assertEquals(0.9, s.mean(), 1e-12);
        assertEquals(0.1, s.std(), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new int[] {1}, new int[] {1, 0}, 2));
        assertEquals("truth and predictions differ in length: 1 vs 2", e.getMessage());
    }
}
