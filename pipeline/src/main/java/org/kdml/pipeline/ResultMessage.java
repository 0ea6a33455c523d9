package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A result on {@code kdml.results}, keyed by run id (an experiment's report: by the experiment,
 * with no run id).
 *
 * @param kind what it carries
 * @param runId the run (null for a report)
 * @param experiment its experiment
 * @param variant its variant key
 * @param seed its seed
 * @param attempt the training attempt whose checkpoint was read
 * @param payload for {@code metrics}, the run's full result (test metrics of every network and
 *     the ensemble, fidelity, history, provenance); for {@code cka}, the matrices by pair
 *     ({@code teacher-s1}, …) with their layer names, and the S3 keys of the heatmaps
 * @param time milliseconds since the epoch
 * @param seconds how long the service took for it (download, compute, upload)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultMessage(ResultKind kind, String runId, String experiment, String variant, long seed, int attempt,
        JsonNode payload, long time, Double seconds) {

    /** Validates. */
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
    }
}
