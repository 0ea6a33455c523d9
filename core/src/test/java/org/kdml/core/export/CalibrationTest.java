package org.kdml.core.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CalibrationTest {

    /**
     * Four predictions, each alone in its bin of 15: confidence 0.9 right (|1 − 0.9| = 0.1), 0.8
     * wrong (0.8), 0.7 right (0.3), 0.6 wrong (0.6): ECE = (0.1 + 0.8 + 0.3 + 0.6) / 4 = 0.45.
     */
    @Test
    void eachPredictionInItsOwnBin() {
        float[] p = {0.9f, 0.1f, 0.8f, 0.2f, 0.3f, 0.7f, 0.4f, 0.6f};
        assertEquals(0.45, Calibration.expectedCalibrationError(p, new int[] {0, 1, 1, 0}, 2, 15), 1e-6);
    }

    /** Two in one bin (confidences 0.9 and 0.91, one right): |0.5 − 0.905| = 0.405. */
    @Test
    void aBinAveragesItsAccuracyAndConfidence() {
        float[] p = {0.9f, 0.1f, 0.91f, 0.09f};
        assertEquals(0.405, Calibration.expectedCalibrationError(p, new int[] {0, 1}, 2, 15), 1e-6);
    }

    @Test
    void mismatchedSizesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Calibration.expectedCalibrationError(new float[3], new int[] {0, 1}, 2, 15));
        assertEquals("ece: 3 probabilities for 2 labels of 2 classes in 15 bins", e.getMessage());
    }
}
