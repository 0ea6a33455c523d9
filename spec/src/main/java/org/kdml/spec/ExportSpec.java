package org.kdml.spec;

import java.util.List;

/**
 * What the pipeline exports of each completed run ({@code export:} in a spec): the network and the
 * formats that {@code kdml export} writes, put in S3 under the run's prefix ({@code export/}) with
 * the model card, and announced on {@code kdml.results} as {@code export}.
 *
 * @param formats {@code onnx} (the FP32 model, always written) and optionally {@code int8}
 * @param network {@code s1}, {@code s2}, … , {@code teacher} or {@code ensemble} (default: the
 *     ensemble when the spec has two or more students, else {@code s1}); a run with one student (a
 *     methods variant) exports {@code s1} when the ensemble is asked for, and a run without a teacher
 *     exports nothing when the teacher is
 */
public record ExportSpec(List<String> formats, String network) {

    /** The formats, in documentation order. */
    public static final List<String> FORMATS = List.of("onnx", "int8");

    /** Validates the formats; the network is checked against the students by {@link ExperimentSpec}. */
    public ExportSpec {
        SpecException.check(formats != null && !formats.isEmpty(), "export.formats",
                "at least one format is required; valid: " + String.join(", ", FORMATS));
        formats = List.copyOf(formats);
        for (int i = 0; i < formats.size(); i++) {
            String f = formats.get(i);
            SpecException.check(FORMATS.contains(f), "export.formats[" + i + "]", "unknown format '" + f
                    + "'; valid: " + String.join(", ", FORMATS));
        }
    }

    /** @return whether the quantised model is asked for */
    public boolean int8() {
        return formats.contains("int8");
    }
}
