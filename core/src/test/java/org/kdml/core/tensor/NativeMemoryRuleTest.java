package org.kdml.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's main code reaches Java-owned tensor memory only through {@link Tensors}. */
class NativeMemoryRuleTest {

    @Test
    void coreCallsNoDjlMethodThatWrapsJavaMemory() throws Exception {
        assertEquals(List.of(), NativeMemoryRule.violations(classesOf(Tensors.class)));
    }

    /** The rule sees the calls it forbids: this test's own {@link Offender} is one. */
    @Test
    void theRuleFindsAScalarOperatorAndACreate() throws Exception {
        List<String> found = NativeMemoryRule.violations(classesOf(Offender.class)).stream()
                .filter(v -> v.startsWith(Offender.class.getName() + " "))
                .toList();
        assertEquals(List.of(
                Offender.class.getName() + " → ai.djl.ndarray.NDArray.mul(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;",  // qualified: the rule's message
                Offender.class.getName() + " → ai.djl.ndarray.NDManager.create([F)Lai/djl/ndarray/NDArray;"),  // qualified: the rule's message
                found.stream().sorted().toList());
    }

    @Test
    void safeSignaturesPass() {
        assertFalse(NativeMemoryRule.forbidden("ai/djl/ndarray/NDArray", "mul",
                "(Lai/djl/ndarray/NDArray;)Lai/djl/ndarray/NDArray;"));
        assertFalse(NativeMemoryRule.forbidden("ai/djl/ndarray/NDManager", "zeros",
                "(Lai/djl/ndarray/types/Shape;)Lai/djl/ndarray/NDArray;"));
        assertTrue(NativeMemoryRule.forbidden("ai/djl/ndarray/NDArray", "pow",
                "(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;"));
        assertTrue(NativeMemoryRule.forbidden("ai/djl/nn/Block", "loadParameters",
                "(Lai/djl/ndarray/NDManager;Ljava/io/DataInputStream;)V"));
        assertTrue(NativeMemoryRule.forbidden("ai/djl/ndarray/NDArray", "set", "(Ljava/nio/Buffer;)V"));
    }

    private static Path classesOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Two calls the rule must find. */
    static final class Offender {
        static NDArray twice(NDArray x) {
            return x.mul(2f);
        }

        static NDArray make(NDManager m) {
            return m.create(new float[] {1});
        }
    }
}
