package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RunLayoutTest {

    /** The names already on disk and in S3: changing one would orphan every stored run. */
    @Test
    void namesAreTheOnesStoredRunsUse() {
        assertEquals("spec.json", RunLayout.SPEC);
        assertEquals("result.json", RunLayout.RESULT);
        assertEquals("split.json", RunLayout.SPLIT);
        assertEquals("state.json", RunLayout.STATE);
        assertEquals("s1.params", RunLayout.params("s1"));
        assertEquals("teacher.best.params", RunLayout.bestParams("teacher"));
        assertEquals("s2.adam", RunLayout.adam("s2"));
        assertEquals("cka-teacher-s1.png", RunLayout.heatmap("teacher-s1"));
        assertEquals("curves-abc.png", RunLayout.curves("abc"));
        assertEquals("report.md", RunLayout.report("md"));
        assertEquals("epoch-joint-0003", RunLayout.epoch(Phase.JOINT, 3));
        assertEquals("epoch-teacher-0012", RunLayout.epoch(Phase.TEACHER, 12));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunLayout.epoch(Phase.JOINT, -1));
        assertEquals("epoch: must be >= 0, got -1", e.getMessage());
    }
}
