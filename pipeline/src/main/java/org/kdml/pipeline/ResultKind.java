package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.kdml.results.CkaResult;
import org.kdml.results.ExportResult;
import org.kdml.results.ReportResult;
import org.kdml.results.ResultPayload;
import org.kdml.results.RunResult;

/** What a message on {@code kdml.results} carries, by its name on the wire. */
public enum ResultKind {
    /** Test metrics of a run, from the evaluator. */
    METRICS("metrics", RunResult.class, "the run's full result: test accuracy/precision/recall/F1/AUC or IoU/F-score of"
            + " T, S1, S2, ensemble (`networks`); fidelity; `history`; `provenance`"),
    /** Layer-by-layer CKA of a run, from the CKA analyzer. */
    CKA("cka", CkaResult.class, "`pairs.{teacher-s1, teacher-s2, s1-s2}` = `" + Topic.components(CkaResult.Pair.class)
            + "` (layer names; minibatch CKA matrix, `null` where undefined; the undefined cells as"
            + " `[{row, col, reason}]`, e.g. reason `teacher layer logits is constant on the sample`, empty when every"
            + " cell has a value; S3 key of the PNG)"),
    /** A run's exported model files and model card in S3, from the exporter (specs with {@code export:}). */
    EXPORT("export", ExportResult.class, "specs with `export:`: the S3 key of each exported file (`model.onnx`,"
            + " `model-int8.onnx`, `weights*.npz`, `model-card.md`, `model-card.json`) and the model card"),
    /**
     * An experiment's report (md, csv, html) in S3, from the reporter, once its last run has its
     * metrics and CKA; keyed by the experiment, with no run id.
     */
    REPORT("report", ReportResult.class, "no `runId`: the S3 keys of the experiment's `report.md`, `report.csv`,"
            + " `report.html` (and its images) and the runs it covers (`covers`: their ids and the failed ones)");

    private final String wire;
    private final Class<? extends ResultPayload> payload;
    private final String meaning;

    ResultKind(String wire, Class<? extends ResultPayload> payload, String meaning) {
        this.wire = wire;
        this.payload = payload;
        this.meaning = meaning;
    }

    /**
     * @return every kind with its payload's fields (its record's components) and their meaning, for
     *     the contract table
     */
    static String table() {
        return Arrays.stream(values()).map(k -> "`kind: " + k.wire + "` → `payload` = `"
                + Topic.components(k.payload) + "` (" + k.meaning + ")").collect(Collectors.joining("; "));
    }

    /** @return the record a message of this kind carries as its payload */
    public Class<? extends ResultPayload> payloadType() {
        return payload;
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
