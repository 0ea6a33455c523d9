package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What a message on {@code kdml.results} carries, by its name on the wire. */
public enum ResultKind {
    /** Test metrics of a run, from the evaluator. */
    METRICS("metrics"),
    /** Layer-by-layer CKA of a run, from the CKA analyzer. */
    CKA("cka"),
    /** A run's exported model files and model card in S3, from the exporter (specs with {@code export:}). */
    EXPORT("export"),
    /**
     * An experiment's report (md, csv, html) in S3, from the reporter, once its last run has its
     * metrics and CKA; keyed by the experiment, with no run id.
     */
    REPORT("report");

    private final String wire;

    ResultKind(String wire) {
        this.wire = wire;
    }

    /** @return the name on the wire */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @throws IllegalArgumentException naming the field and the valid kinds */
    @JsonCreator
    public static ResultKind of(String wire) {
        return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("kind: unknown result kind '" + wire
                        + "'; valid: " + Arrays.stream(values()).map(ResultKind::wire)
                                .collect(Collectors.joining(", "))));
    }

    @Override
    public String toString() {
        return wire;
    }
}
