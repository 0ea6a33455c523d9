package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.results.ClassificationMetrics;
import org.kdml.spec.EnsembleRule;

/** The students' ensemble by each rule, by hand: the teacher never takes part. */
class ClassificationEnsembleTest {

    /** Two images, three classes; the teacher's rows would change either rule's result if it counted. */
    private static Map<String, float[]> probs() {
        Map<String, float[]> p = new LinkedHashMap<>();
        p.put("teacher", new float[] {0f, 0f, 1f, 0f, 0f, 1f});
        p.put("s1", new float[] {0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f});
        p.put("s2", new float[] {0.1f, 0.5f, 0.4f, 0.7f, 0.2f, 0.1f});
        return p;
    }

    @Test
    void meanAveragesTheStudentsAndMaxTakesEachClassesHighestScaledToOne() {
        float[] mean = ClassificationEval.ensemble(probs(), EnsembleRule.MEAN, 3);
        // (0.6+0.1)/2, (0.3+0.5)/2, (0.1+0.4)/2; (0.2+0.7)/2, (0.2+0.2)/2, (0.6+0.1)/2
        assertArrayEquals(new float[] {0.35f, 0.4f, 0.25f, 0.45f, 0.2f, 0.35f}, mean, 1e-6f);
        float[] max = ClassificationEval.ensemble(probs(), EnsembleRule.MAX, 3);
        // maxima (0.6, 0.5, 0.4), sum 1.5; (0.7, 0.2, 0.6), sum 1.5
        assertArrayEquals(new float[] {0.4f, 1f / 3, 0.4f / 1.5f, 0.7f / 1.5f, 0.2f / 1.5f, 0.4f}, max, 1e-6f);
        // The first image: the mean says class 1, the paper's rule class 0.
        assertArrayEquals(new int[] {1, 0}, ClassificationMetrics.argmax(mean, 3));
        assertArrayEquals(new int[] {0, 0}, ClassificationMetrics.argmax(max, 3));
    }

    @Test
    void oneStudentIsItsOwnEnsembleUnderEitherRule() {
        Map<String, float[]> p = new LinkedHashMap<>();
        p.put("teacher", new float[] {1f, 0f});
        p.put("s1", new float[] {0.25f, 0.75f});
        assertArrayEquals(new float[] {0.25f, 0.75f}, ClassificationEval.ensemble(p, EnsembleRule.MEAN, 2), 0f);
        assertArrayEquals(new float[] {0.25f, 0.75f}, ClassificationEval.ensemble(p, EnsembleRule.MAX, 2), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationEval.ensemble(Map.of("teacher", new float[] {1f, 0f}), EnsembleRule.MAX, 2));
        assertEquals("an ensemble needs a student, got [teacher]", e.getMessage());
    }
}
