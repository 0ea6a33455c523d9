package org.kdml.core.export;

import java.util.Arrays;
import java.util.List;
import org.kdml.results.CpuFeatures;

/**
 * The int8 formats {@code kdml export --int8} writes: both are QDQ graphs with unsigned 8-bit
 * activations and symmetric per-channel signed weights (U8S8, what ONNX Runtime's x86 kernels
 * run); they differ in the weights' range.
 *
 * <p>Why it matters: on x86-64 CPUs without VNNI (AVX2, and AVX-512 without AVX512-VNNI), ONNX
 * Runtime's U8S8 kernels multiply with {@code vpmaddubsw}, which adds two products
 * {@code a·w + a'·w'} in a <em>signed 16-bit</em> register and saturates: with activations up to
 * 255 and weights up to 127 the pair reaches 2·255·127 = 64 770, far past 32 767. ONNX Runtime's
 * quantisation guide recommends 7-bit weights ("reduce range") there: with |w| ≤ 64 the pair is at
 * most 2·255·64 = 32 640, which fits. CPUs with VNNI (and ARM) accumulate in 32 bits and never
 * saturate, so full 8-bit weights are exact there and half a bit more precise.
 */
public enum Int8Format {

    /** 7-bit weights in [−64, 64]: cannot saturate on any x86-64 kernel; the default. */
    U8S7("u8s7", 64, "uint8 asymmetric activations per tensor, 7-bit signed symmetric per-channel weights"
            + " (|w| <= 64), int32 biases: no 16-bit saturation on any x86-64 CPU"),

    /** Full 8-bit weights in [−127, 127]: exact on VNNI CPUs and ARM; may saturate on AVX2/AVX-512 without VNNI. */
    U8S8("u8s8", 127, "uint8 asymmetric activations per tensor, 8-bit signed symmetric per-channel weights"
            + " (|w| <= 127), int32 biases: for CPUs with VNNI (AVX512-VNNI, AVX-VNNI) or ARM; on x86-64 without"
            + " VNNI the kernels' 16-bit pair sums can saturate");

    /** The largest activation of the U8 side. */
    public static final int MAX_ACTIVATION = 255;

    private final String key;
    private final int maxWeight;
    private final String description;

    Int8Format(String key, int maxWeight, String description) {
        this.key = key;
        this.maxWeight = maxWeight;
        this.description = description;
    }

    /** @return the key in options and the model card */
    public String key() {
        return key;
    }

    /** @return the largest |weight| of the format ({@code scale_c = max|w_c| / maxWeight}) */
    public int maxWeight() {
        return maxWeight;
    }

    /** @return what the format is, for the model card */
    public String description() {
        return description;
    }

    /**
     * @return whether the largest pair sum of {@code vpmaddubsw}, {@code 2·255·maxWeight}, fits a
     *     signed 16-bit register
     */
    public boolean fitsInt16PairSums() {
        return 2 * MAX_ACTIVATION * maxWeight <= Short.MAX_VALUE;
    }

    /** @return whether int8 products of this format are exact on {@code cpu} (no saturation possible) */
    public boolean exactOn(CpuFeatures cpu) {
        return fitsInt16PairSums() || cpu.vnni();
    }

    /** @return the keys, in declaration order */
    public static List<String> keys() {
        return Arrays.stream(values()).map(Int8Format::key).toList();
    }

    /**
     * @return the format of {@code key}
     * @throws IllegalArgumentException naming the key and the valid ones
     */
    public static Int8Format of(String key) {
        for (Int8Format f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--int8-format: unknown format '" + key + "'; valid: "
                + String.join(", ", keys()));
    }

    /**
     * What {@code vpmaddubsw} computes for one pair: {@code a·w + a2·w2} saturated to a signed 16-bit
     * value (the U8S8 path of x86-64 CPUs without VNNI). A model of the instruction, for tests and
     * for reasoning about the formats; the export does not call it.
     */
    public static int saturatedPairSum(int a, int w, int a2, int w2) {
        int sum = a * w + a2 * w2;
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sum));
    }
}
