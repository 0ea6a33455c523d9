package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {

    /**
     * Image 1: truth 1100, prediction 1010 → TP 1, FP 1, FN 1, TN 1: IoU ⅓, F ½.
     * Image 2: truth 0000, prediction 0000 → both empty: IoU 1, F 1 (convention).
     * Image 3: truth 0011, prediction 0000 → TP 0, FN 2: IoU 0, F 0.
     * Totals TP 1, FP 1, FN 3, TN 7 → IoU ⅕, F ⅓, pixel accuracy 8/12; mean IoU (⅓ + 1 + 0)/3 = 4/9.
     */
    @Test
    void handCountedMasks() {
        SegmentationMetrics.Accumulator acc = new SegmentationMetrics.Accumulator();
        assertEquals(1.0 / 3, acc.add(new byte[] {1, 1, 0, 0}, new byte[] {1, 0, 1, 0}), 1e-12);
        assertEquals(1.0, acc.add(new byte[] {0, 0, 0, 0}, new byte[] {0, 0, 0, 0}), 1e-12);
        assertEquals(0.0, acc.add(new byte[] {0, 0, 1, 1}, new byte[] {0, 0, 0, 0}), 1e-12);
        SegmentationMetrics m = acc.result();
        assertEquals(0.2, m.iou(), 1e-12);
        assertEquals(1.0 / 3, m.fscore(), 1e-12);
        assertEquals(8.0 / 12, m.pixelAccuracy(), 1e-12);
        assertEquals(4.0 / 9, m.meanIou(), 1e-12);
        assertEquals((0.5 + 1 + 0) / 3, m.meanFscore(), 1e-12);
        assertEquals(3, m.images());
    }

    @Test
    void emptyTruthAndPredictionConventions() {
        assertEquals(1.0, SegmentationMetrics.iou(0, 0, 0));
        assertEquals(1.0, SegmentationMetrics.fscore(0, 0, 0));
        assertEquals(0.0, SegmentationMetrics.iou(0, 4, 0), "false positives on an empty truth");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SegmentationMetrics.Accumulator().add(new byte[2], new byte[3]));
        assertEquals("mask sizes differ: 2 vs 3", e.getMessage());
    }
}
