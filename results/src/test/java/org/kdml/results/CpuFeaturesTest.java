package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CPU's features from {@code /proc/cpuinfo} texts of the machines kdml meets. */
class CpuFeaturesTest {

    private static final String AVX2_ONLY = String.join("\n",
            "processor\t: 0",
            "vendor_id\t: AuthenticAMD",
            "model name\t: AMD EPYC",
            "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c avx2 fma bmi2",
            "",
            "processor\t: 1",
            "model name\t: AMD EPYC",
            "flags\t\t: fpu sse avx2 fma",
            "");

    @Test
    void anAvx2MachineHasNeitherAvx512NorVnni() {
        CpuFeatures c = CpuFeatures.parse(AVX2_ONLY, Map.of(), "amd64");
        assertEquals("AMD EPYC", c.model());
        assertEquals(List.of("avx2", "fma"), c.flags());
        assertFalse(c.avx512());
        assertFalse(c.vnni());
        assertNull(c.atenCpuCapability());
        assertEquals("AMD EPYC: avx2 fma, no AVX-512, no VNNI", c.summary());
    }

    @Test
    void avx512WithAndWithoutVnniAndTheKernelLimits() {
        String zen4 = "model name\t: AMD EPYC 9R14\nflags\t\t: avx2 fma avx512f avx512bw avx512_vnni avx512_bf16\n";
        CpuFeatures c = CpuFeatures.parse(zen4, Map.of("ATEN_CPU_CAPABILITY", "avx2", "ONEDNN_MAX_CPU_ISA", "AVX2"),
                "amd64");
        assertEquals(List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni"), c.flags());
        assertTrue(c.avx512() && c.vnni());
        assertEquals("AMD EPYC 9R14: avx2 fma avx512f avx512bw avx512_vnni, ATEN_CPU_CAPABILITY=avx2,"
                + " ONEDNN_MAX_CPU_ISA=AVX2", c.summary());
        CpuFeatures skylake = CpuFeatures.parse("model name: Xeon\nflags: avx2 fma avx512f avx512bw\n", Map.of(), "x");
        assertTrue(skylake.avx512());
        assertFalse(skylake.vnni());
        assertTrue(CpuFeatures.parse("model name: Core\nflags: avx2 avx_vnni\n", Map.of(), "x").vnni());
    }

    @Test
    void withoutCpuinfoTheArchitectureNamesTheMachine() {
        CpuFeatures c = CpuFeatures.parse("", Map.of(), "aarch64");
        assertEquals("aarch64: no AVX2, no AVX-512, no VNNI", c.summary());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CpuFeatures("x", List.of("sse2"), null, null));
        assertEquals("cpu.flags: unknown feature 'sse2'; valid: avx2, fma, avx512f, avx512bw, avx512_vnni, avx_vnni,"
                + " amx_int8", e.getMessage());
    }
}
