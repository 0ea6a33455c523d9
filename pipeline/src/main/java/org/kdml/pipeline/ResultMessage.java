package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.kdml.results.ResultPayload;
import org.kdml.spec.Specs;

/**
 * A result on {@code kdml.results}, keyed by run id (an experiment's report: by the experiment,
 * with no run id). The payload is the record of its kind ({@link ResultKind#payloadType}); on the
 * wire it is that record's JSON, as it always was.
 *
 * @param kind what it carries
 * @param runId the run (null for a report)
 * @param experiment its experiment
 * @param variant its variant key
 * @param seed its seed
 * @param attempt the training attempt whose checkpoint was read
 * @param payload for {@code metrics}, the run's full result (test metrics of every network and
 *     the ensemble, fidelity, history, provenance); for {@code cka}, the matrices by pair
 *     ({@code teacher-s1}, …) with their layer names, and the S3 keys of the heatmaps; for
 *     {@code export}, the exported files and the model card; for {@code report}, the report's files
 * @param time milliseconds since the epoch
 * @param seconds how long the service took for it (download, compute, upload)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultMessage(ResultKind kind, String runId, String experiment, String variant, long seed, int attempt,
        ResultPayload payload, long time, Double seconds) {

    /** Validates: the payload, when there is one, is the record of the kind. */
    public ResultMessage {
        if (kind == null) {
            throw new IllegalArgumentException("kind: required");
        }
        if (kind != ResultKind.REPORT && (runId == null || runId.isBlank())) {
            throw new IllegalArgumentException("runId: required");
        }
        if (experiment == null || experiment.isBlank()) {
            throw new IllegalArgumentException("experiment: required");
        }
        if (payload != null && !kind.payloadType().isInstance(payload)) {
            throw new IllegalArgumentException("payload: a " + kind + " result carries a "
                    + kind.payloadType().getSimpleName() + ", not a " + payload.getClass().getSimpleName());
        }
    }

    /**
     * Reads a message: its payload as the record of its kind.
     *
     * @throws IllegalArgumentException naming {@code payload} and the kind when the payload is not
     *     that record
     */
    @JsonCreator
    static ResultMessage read(@JsonProperty("kind") ResultKind kind, @JsonProperty("runId") String runId,
            @JsonProperty("experiment") String experiment, @JsonProperty("variant") String variant,
            @JsonProperty("seed") long seed, @JsonProperty("attempt") int attempt,
            @JsonProperty("payload") JsonNode payload, @JsonProperty("time") long time,
            @JsonProperty("seconds") Double seconds) {
        if (kind == null) {
            throw new IllegalArgumentException("kind: required");
        }
        ResultPayload typed = null;
        if (payload != null && !payload.isNull()) {
            try {
                typed = Specs.json().treeToValue(payload, kind.payloadType());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("payload: not a " + kind + " result ("
                        + kind.payloadType().getSimpleName() + "): " + e.getOriginalMessage(), e);
            }
        }
        return new ResultMessage(kind, runId, experiment, variant, seed, attempt, typed, time, seconds);
    }

    /**
     * @return the payload as {@code type}
     * @throws IllegalStateException naming the kind when it carries another record or none
     */
    public <T extends ResultPayload> T payload(Class<T> type) {
        if (!type.isInstance(payload)) {
            throw new IllegalStateException("payload: this " + kind + " result of " + (runId == null ? experiment : runId)
                    + " carries " + (payload == null ? "no payload" : "a " + payload.getClass().getSimpleName())
                    + ", not a " + type.getSimpleName());
        }
        return type.cast(payload);
    }
}
