package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kdml.spec.Specs;

class RocAucTest {

    /**
     * Truth 0,1,0,1 with class-1 probabilities ¼, ½, ½, ¾. Pairs (positive, negative): (½, ¼) 1,
     * (½, ½) a tie, ½, (¾, ¼) 1, (¾, ½) 1 → 3.5 / 4 = 0.875. By ranks: ¼ → 1, ½ ½ → 2.5 each,
     * ¾ → 4; positives' rank sum 6.5, minus 2·3/2 = 3.5, over 2·2.
     */
    @Test
    void binaryAucCountsATieAsOneHalf() {
        float[] p = {0.75f, 0.25f, 0.5f, 0.5f, 0.5f, 0.5f, 0.25f, 0.75f};
        assertEquals(0.875, RocAuc.of(new int[] {0, 1, 0, 1}, p, 2), 1e-12);
    }

    /** scikit-learn's {@code roc_auc_score} example: truth 0,0,1,1, scores 0.1, 0.4, 0.35, 0.8 → 0.75. */
    @Test
    void binaryAucWithoutTies() {
        float[] p = {0.9f, 0.1f, 0.6f, 0.4f, 0.65f, 0.35f, 0.2f, 0.8f};
        assertEquals(0.75, RocAuc.of(new int[] {0, 0, 1, 1}, p, 2), 1e-12);
        float[] reversed = {0.1f, 0.9f, 0.4f, 0.6f, 0.35f, 0.65f, 0.8f, 0.2f};
        assertEquals(0.25, RocAuc.of(new int[] {0, 0, 1, 1}, reversed, 2), 1e-12);
    }

    /**
     * Three classes, truth 0,1,2,2; probabilities (½ ¼ ¼), (¼ ½ ¼), (¼ ¼ ½), (½ ¼ ¼).
     * Class 0: positive ½ against negatives ¼, ¼, ½ → (1 + 1 + ½)/3 = 5/6. Class 1: ½ against
     * ¼, ¼, ¼ → 1. Class 2: positives ½, ¼ against ¼, ¼ → (1 + 1 + ½ + ½)/4 = ¾.
     * One-vs-rest macro average: (5/6 + 1 + ¾)/3 = 31/36.
     */
    @Test
    void moreClassesAverageOneVsRest() {
        float[] p = {0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.5f, 0.25f, 0.25f};
        assertEquals(31.0 / 36, RocAuc.of(new int[] {0, 1, 2, 2}, p, 3), 1e-12);
    }

    /** A class with no positive (or no negative) example has no ROC curve: the AUC is null, not NaN. */
    @Test
    void aClassMissingFromTheTruthMakesTheAucNull() {
        assertNull(RocAuc.of(new int[] {1, 1}, new float[] {0.5f, 0.5f, 0.25f, 0.75f}, 2));
        assertNull(RocAuc.of(new int[] {0, 0}, new float[] {0.5f, 0.5f, 0.25f, 0.75f}, 2));
        float[] p = {0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.25f};
        assertNull(RocAuc.of(new int[] {0, 1, 0}, p, 3), "class 2 never occurs");
        assertNull(RocAuc.of(new int[] {0, 1}, new float[] {Float.NaN, Float.NaN, 0.25f, 0.75f}, 2));
    }

    @Test
    void badShapesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RocAuc.of(new int[] {0, 1}, new float[] {0.5f, 0.5f, 1f}, 2));
        assertEquals("probabilities have 3 values, expected 2 examples × 2 classes", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RocAuc.of(new int[] {0, 3}, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 2));
        assertEquals("truth[1] = 3 is not a class in [0, 2)", e.getMessage());
    }

    /** The metrics carry the AUC of the probabilities they are given, and JSON writes an undefined one as null. */
    @Test
    void metricsCarryTheAucAndJsonWritesNullForAnUndefinedOne() throws Exception {
        float[] p = {0.75f, 0.25f, 0.5f, 0.5f, 0.5f, 0.5f, 0.25f, 0.75f};
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 1, 0, 1}, new int[] {0, 0, 0, 1}, p, 2);
        assertEquals(0.875, m.auc(), 1e-12);
        assertEquals(0.75, m.accuracy(), 1e-12);
        assertNull(ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 1}, 2).auc());
        ClassificationMetrics undefined = ClassificationMetrics.of(new int[] {1, 1}, new int[] {1, 1},
                new float[] {0.25f, 0.75f, 0.25f, 0.75f}, 2);
        String json = Specs.json().writeValueAsString(undefined);
        assertTrue(json.contains("\"auc\":null"), json);
        // A result.json written before AUC existed still reads, with no AUC.
        ClassificationMetrics old = Specs.json().readValue(
                "{\"accuracy\":1.0,\"confusion\":[[0,0],[0,2]],\"f1\":1.0,\"precision\":1.0,\"recall\":1.0}",
                ClassificationMetrics.class);
        assertNull(old.auc());
        assertEquals(1.0, old.f1());
    }
}
