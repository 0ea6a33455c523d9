package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kdml.core.tensor.NativeMemoryRule;

/** The CLI (bench, CKA commands) creates tensors from Java values only through the engine's safe path. */
class NativeMemoryRuleCliTest {

    @Test
    void theCliCallsNoDjlMethodThatWrapsJavaMemory() throws Exception {
        Path classes = Path.of(Kdml.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertEquals(List.of(), NativeMemoryRule.violations(classes));
    }
}
