package org.kdml.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MlflowNamesTest {

    @Test
    void namesMlflowAcceptsStayAsTheyAre() {
        for (String name : List.of("s1/task", "s1/total", "val/s1/accuracy", "test/ensemble/f1", "training.epochs",
                "epoch/seconds")) {
            assertEquals(name, MlflowNames.key(name));
        }
    }

    @Test
    void theArrowOfATermsSourceBecomesFrom() {
        assertEquals("s1/kd.from.teacher", MlflowNames.key("s1/kd<-teacher"));
        assertEquals("s2/predictions.from.s1", MlflowNames.key("s2/predictions<-s1"));
        assertEquals("s1/features.from.teacher", MlflowNames.key("s1/features<-teacher"));
    }

    @Test
    void otherRefusedCharactersBecomeUnderscores() {
        assertEquals("a_b_c", MlflowNames.key("a*b<c"));
        assertEquals("x_y", MlflowNames.key("x\u00e9y"));
        for (String name : List.of("s1/kd<-teacher", "a*b<c", "x\u00e9y", "q?")) {
            assertTrue(MlflowNames.VALID.matcher(MlflowNames.key(name)).matches(), name);
        }
    }

    @Test
    void anEmptyNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MlflowNames.key(""));
        assertEquals("name: a metric or parameter name must not be empty", e.getMessage());
    }
}
