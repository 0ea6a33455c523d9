package org.kdml.core.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The int8 agreement's statistics on cases worked by hand. */
class Int8AgreementTest {

    @Test
    void binomialTailAndClopperPearsonBound() {
        // P(X ≥ 1 | 60, 0.01) = 1 − 0.99^60 = 0.452843.
        assertEquals(1 - Math.pow(0.99, 60), Int8Agreement.pAtLeast(1, 60, 0.01), 1e-12);
        assertEquals(1.0, Int8Agreement.pAtLeast(0, 60, 0.01));
        // P(X ≥ 2 | 4, 0.01) = 1 − 0.99^4 − 4·0.01·0.99^3 = 0.00059203.
        assertEquals(0.00059203, Int8Agreement.pAtLeast(2, 4, 0.01), 1e-10);
        // 600 images: 15 disagreements are consistent with a 1 % rate at 0.001, 16 are not.
        assertEquals(0.0013128, Int8Agreement.pAtLeast(15, 600, 0.01), 1e-7);
        assertEquals(0.00046997, Int8Agreement.pAtLeast(16, 600, 0.01), 1e-8);
        // k = 0: the upper bound solves (1 − u)^n = 0.05, u = 1 − 0.05^(1/60) = 0.048703.
        assertEquals(1 - Math.pow(0.05, 1.0 / 60), Int8Agreement.upperBound(0, 60, 0.95), 1e-9);
        // k = 1 of 2: Beta(2, 1) has CDF x², so u = √0.95 = 0.974679.
        assertEquals(Math.sqrt(0.95), Int8Agreement.upperBound(1, 2, 0.95), 1e-9);
    }

    @Test
    void oneFlippedImageOfSixtyIsConsistentWithTheGoalButDoesNotMeetIt() {
        int[] truth = new int[60];
        int[] fp32 = new int[60];
        int[] int8 = new int[60];
        int8[7] = 1; // the int8 model gets image 7 wrong where FP32 was right
        Int8Agreement a = Int8Agreement.classification(truth, fp32, int8);
        assertEquals(1, a.disagreements());
        assertEquals(59.0 / 60, a.agreement(), 1e-12);
        assertEquals(-1.0 / 60, a.primaryMetricChange(), 1e-12);
        assertFalse(a.meetsGoal(), "59/60 < 0.99");
        assertTrue(a.consistentWithGoal(), a.toString());
        // The change's bootstrap interval holds the change and lies at or below 0.
        assertTrue(a.changeInterval95().get(0) <= -1.0 / 60 && a.changeInterval95().get(1) <= 0, a.toString());
        assertEquals(a, Int8Agreement.classification(truth, fp32, int8), "a fixed seed: the same interval");
    }

    @Test
    void aBrokenModelIsNotConsistentWithTheGoal() {
        int n = 600;
        int[] truth = new int[n];
        int[] fp32 = new int[n];
        int[] int8 = new int[n];
        for (int i = 0; i < 30; i++) {
            int8[i * 20] = 1; // 30 of 600 flipped: 5 %
        }
        Int8Agreement a = Int8Agreement.classification(truth, fp32, int8);
        assertTrue(a.pDisagreementsIfGoalHeld() < Int8Agreement.ALPHA, a.toString());
        assertFalse(a.consistentWithGoal(), a.toString());
        assertTrue(a.disagreementUpper95() > 0.05, a.toString());
    }

    @Test
    void segmentationComparesTheIouOfSummedCounts() {
        // Two images {tp, fp, fn}: FP32 IoU = (10 + 10) / (12 + 12) = 0.8333…; int8 = 18 / 24 = 0.75.
        long[] fp32 = {10, 1, 1, 10, 1, 1};
        long[] int8 = {9, 2, 1, 9, 2, 1};
        Int8Agreement a = Int8Agreement.segmentation(fp32, int8, 0.99);
        assertEquals(0.75 - 20.0 / 24, a.primaryMetricChange(), 1e-12);
        assertNull(a.disagreements());
        assertFalse(a.meetsGoal());
        // Both images change alike, so every resample gives the same change: the interval is a point.
        assertEquals(List.of(a.primaryMetricChange(), a.primaryMetricChange()), a.changeInterval999());
        assertFalse(a.consistentWithGoal(), a.toString());
        Int8Agreement same = Int8Agreement.segmentation(fp32, fp32.clone(), 1.0);
        assertTrue(same.meetsGoal() && same.consistentWithGoal(), same.toString());
    }

    @Test
    void percentilesAndBadInput() {
        double[] draws = new double[101];
        Arrays.setAll(draws, i -> 100 - i);
        assertEquals(List.of(2.0, 98.0), Int8Agreement.percentiles(draws, 0.05));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8Agreement.classification(new int[2], new int[2], new int[1]));
        assertEquals("int8 agreement: 2 labels, 2 FP32 and 1 int8 predictions", e.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                () -> Int8Agreement.segmentation(new long[] {1, 2}, new long[] {1, 2}, 1));
        assertEquals("int8 agreement: 2 FP32 and 2 int8 confusion counts (3 an image)", s.getMessage());
    }
}
