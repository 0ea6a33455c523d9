package org.kdml.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

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
