package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskPhaseTest {

    private static final String SPEC = "name: x\ndataset: {kind: synthetic-patches}\nstudents: [resnet18, resnet18]\nmodes: [ml]\n";

    @Test
    void aSpecsTaskIsReadByItsKeyAndDefaultsToClassification() {
        assertEquals(Task.CLASSIFICATION, Specs.parse(SPEC, "a.yaml").task());
        assertEquals(Task.SEGMENTATION, Specs.parse(SPEC + "task: segmentation\n", "b.yaml").task());
    }

    @Test
    void anUnknownTaskNamesTheFieldAndTheValidKeys() {
        SpecException e = assertThrows(SpecException.class, () -> Specs.parse(SPEC + "task: detection\n", "c.yaml"));
        assertEquals("task", e.field());
        assertTrue(e.getMessage().contains("unknown task 'detection'; valid: classification, segmentation"),
                e.getMessage());
    }

    @Test
    void theCanonicalJsonWritesTheTaskAsBefore() {
        String json = Specs.canonicalJson(Specs.parse(SPEC + "task: segmentation\n", "d.yaml"));
        assertTrue(json.contains("\"task\":\"segmentation\""), json);
    }

    @Test
    void phasesAndTasksAreWrittenAndReadAsTheirLowerCaseKeys() throws Exception {
        ObjectMapper json = Specs.json();
        assertEquals("[\"teacher\",\"joint\"]", json.writeValueAsString(List.of(Phase.TEACHER, Phase.JOINT)));
        assertEquals(Phase.JOINT, json.readValue("\"joint\"", Phase.class));
        assertEquals("\"classification\"", json.writeValueAsString(Task.CLASSIFICATION));
        assertEquals(Task.SEGMENTATION, json.readValue("\"segmentation\"", Task.class));
        assertEquals("epoch-teacher-0003", String.format("epoch-%s-%04d", Phase.TEACHER, 3));
        SpecException e = assertThrows(SpecException.class, () -> Phase.of("phase", "final"));
        assertEquals("phase: unknown phase 'final'; valid: teacher, joint", e.getMessage());
    }
}
