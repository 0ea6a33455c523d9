package org.kdml.core.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kdml.results.CpuFeatures;

/** The int8 formats against the 16-bit pair sums of x86-64's U8S8 kernels without VNNI. */
class Int8FormatTest {

    private static final CpuFeatures AVX2 = new CpuFeatures("AVX2 machine", List.of("avx2", "fma"), null, null);
    private static final CpuFeatures VNNI = new CpuFeatures("VNNI machine",
            List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni"), null, null);

    @Test
    void fullEightBitWeightsSaturateAPairSumSevenBitWeightsCannot() {
        // 255·127 + 255·127 = 64 770 does not fit 16 bits: vpmaddubsw returns 32 767.
        assertEquals(32767, Int8Format.saturatedPairSum(255, 127, 255, 127));
        assertEquals(-32768, Int8Format.saturatedPairSum(255, -127, 255, -127));
        // 255·64 + 255·64 = 32 640 fits: exact.
        assertEquals(32640, Int8Format.saturatedPairSum(255, 64, 255, 64));
        assertEquals(-32640, Int8Format.saturatedPairSum(255, -64, 255, -64));
        assertTrue(Int8Format.U8S7.fitsInt16PairSums());
        assertFalse(Int8Format.U8S8.fitsInt16PairSums());
    }

    @ParameterizedTest
    @EnumSource(Int8Format.class)
    void everyFormatIsExactOnVnniAndOnlyTheSafeOneEverywhere(Int8Format f) {
        assertTrue(f.exactOn(VNNI), f.key());
        assertEquals(f.fitsInt16PairSums(), f.exactOn(AVX2), f.key());
        assertEquals(f, Int8Format.of(f.key()));
        // Every pair of the format's extreme products is exact when the format fits.
        int w = f.maxWeight();
        int exact = 2 * Int8Format.MAX_ACTIVATION * w;
        assertEquals(f.fitsInt16PairSums(), Int8Format.saturatedPairSum(255, w, 255, w) == exact, f.key());
    }

    @Test
    void anUnknownFormatIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Int8Format.of("s8s8"));
        assertEquals("--int8-format: unknown format 's8s8'; valid: u8s7, u8s8", e.getMessage());
        assertEquals(List.of("u8s7", "u8s8"), Int8Format.keys());
    }
}
