package org.kdml.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The instruction sets of the machine a number was measured on, and the limits set on libtorch's and
 * oneDNN's kernel choice. libtorch, oneDNN and ONNX Runtime pick kernels by instruction set, so a
 * trained number (and an int8 model's behaviour) belongs to the CPU it came from: every result,
 * model card and benchmark line carries this.
 *
 * @param model the CPU's model name ({@code /proc/cpuinfo}), or the JVM's {@code os.arch} elsewhere
 * @param flags the vector and dot-product features that select kernels, in {@link #FEATURES} order
 * @param atenCpuCapability {@code ATEN_CPU_CAPABILITY} when set (libtorch's kernels restricted to
 *     {@code default}, {@code avx2} or {@code avx512}), else null: libtorch takes the best it finds
 * @param onednnMaxCpuIsa {@code ONEDNN_MAX_CPU_ISA} when set, else null
 */
public record CpuFeatures(String model, List<String> flags, String atenCpuCapability, String onednnMaxCpuIsa) {

    /**
     * The features reported, as {@code /proc/cpuinfo} spells them: AVX2 and FMA (every x86-64 CPU of
     * the last decade), AVX-512 (foundation, and the byte/word set int8 kernels use), the two VNNI
     * flavours (int8 dot products in 32-bit accumulators: no 16-bit saturation) and AMX.
     */
    public static final List<String> FEATURES = List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni",
            "avx_vnni", "amx_int8");

    private static final Set<String> VNNI = Set.of("avx512_vnni", "avx_vnni", "amx_int8");

    private static final CpuFeatures CURRENT = read();

    /** Validates. */
    public CpuFeatures {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("cpu.model is required");
        }
        flags = List.copyOf(flags);
        for (String f : flags) {
            if (!FEATURES.contains(f)) {
                throw new IllegalArgumentException("cpu.flags: unknown feature '" + f + "'; valid: "
                        + String.join(", ", FEATURES));
            }
        }
    }

    /** @return this machine's features (read once per JVM) */
    public static CpuFeatures current() {
        return CURRENT;
    }

    private static CpuFeatures read() {
        String cpuinfo = "";
        Path file = Path.of("/proc/cpuinfo");
        if (Files.isReadable(file)) {
            try {
                cpuinfo = Files.readString(file);
            } catch (IOException e) {
                cpuinfo = "";
            }
        }
        return parse(cpuinfo, System.getenv(), System.getProperty("os.arch", "unknown"));
    }

    /**
     * Reads the first processor of a {@code /proc/cpuinfo} text.
     *
     * @param cpuinfo the file's text (empty where there is none)
     * @param env the environment ({@code ATEN_CPU_CAPABILITY}, {@code ONEDNN_MAX_CPU_ISA})
     * @param arch the model to report when the text names none
     */
    static CpuFeatures parse(String cpuinfo, Map<String, String> env, String arch) {
        String model = null;
        Set<String> present = Set.of();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (model == null && key.equals("model name")) {
                model = value;
            } else if (present.isEmpty() && key.equals("flags")) {
                present = Set.of(value.split("\\s+"));
            }
        }
        List<String> flags = new ArrayList<>();
        for (String f : FEATURES) {
            if (present.contains(f)) {
                flags.add(f);
            }
        }
        return new CpuFeatures(model == null || model.isBlank() ? arch : model, flags,
                blankToNull(env.get("ATEN_CPU_CAPABILITY")), blankToNull(env.get("ONEDNN_MAX_CPU_ISA")));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** @return whether the CPU has AVX-512 (foundation) */
    public boolean avx512() {
        return flags.contains("avx512f");
    }

    /** @return whether the CPU multiplies int8 in 32-bit accumulators (AVX512-VNNI, AVX-VNNI or AMX) */
    public boolean vnni() {
        return flags.stream().anyMatch(VNNI::contains);
    }

    /**
     * @return one line for logs and tables, e.g. {@code AMD EPYC: avx2 fma, no AVX-512, no VNNI} (plus
     *     the kernel limits when set)
     */
    public String summary() {
        StringBuilder sb = new StringBuilder(model).append(": ");
        sb.append(flags.isEmpty() ? "no AVX2" : String.join(" ", flags));
        if (!avx512()) {
            sb.append(", no AVX-512");
        }
        if (!vnni()) {
            sb.append(", no VNNI");
        }
        if (atenCpuCapability != null) {
            sb.append(", ATEN_CPU_CAPABILITY=").append(atenCpuCapability);
        }
        if (onednnMaxCpuIsa != null) {
            sb.append(", ONEDNN_MAX_CPU_ISA=").append(onednnMaxCpuIsa);
        }
        return sb.toString();
    }
}
