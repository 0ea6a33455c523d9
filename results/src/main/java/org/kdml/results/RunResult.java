package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Everything a run produced, written as {@code result.json} beside its checkpoints.
 *
 * @param runId the run's stable id
 * @param experiment the experiment's name
 * @param variant the variant key, e.g. {@code kd-ml-v3}
 * @param seed the seed
 * @param teacherTraining {@code none}, {@code frozen} or {@code joint}
 * @param edges the sharing graph's edges, e.g. {@code teacher->s1:features}
 * @param networks test results by node name, plus {@code ensemble}
 * @param history one record per epoch
 * @param splitSizes images in {@code train}, {@code val}, {@code test}
 * @param normalization per-channel statistics of the training split
 * @param trainSeconds wall time of training (all phases, validation included)
 * @param imagesPerSecond training images processed per second, all networks together
 * @param dataLoading how data loading kept up: images decoded per second when the data set was
 *     opened, whether decoded images are cached, time spent preparing batches (all loader threads)
 *     and time the trainer waited for them
 * @param skippedUpdates optimiser steps skipped per network because a gradient was NaN or
 *     infinite (normally empty)
 * @param provenance where the result came from
 * @param protocol for a methods variant ({@code baseline-<key>}): {@code method-only} or
 *     {@code with-kd}; null otherwise
 * @param teacher where a frozen teacher came from (its key; trained here, reused from another run,
 *     or a checkpoint); null for a run without a frozen teacher
 */
@JsonIgnoreProperties(ignoreUnknown = true) // fields a newer evaluator adds do not stop an older reader
public record RunResult(String runId, String experiment, String variant, long seed, String teacherTraining,
        List<String> edges, Map<String, NetworkResult> networks, List<EpochRecord> history,
        Map<String, Integer> splitSizes, Normalization normalization, double trainSeconds, double imagesPerSecond,
        Map<String, Object> dataLoading, Map<String, Integer> skippedUpdates, Provenance provenance,
        @JsonInclude(JsonInclude.Include.NON_NULL) String protocol,
        @JsonInclude(JsonInclude.Include.NON_NULL) TeacherOrigin teacher) implements ResultPayload {

    /** A result without a record of its teacher's origin. */
    public RunResult(String runId, String experiment, String variant, long seed, String teacherTraining,
            List<String> edges, Map<String, NetworkResult> networks, List<EpochRecord> history,
            Map<String, Integer> splitSizes, Normalization normalization, double trainSeconds, double imagesPerSecond,
            Map<String, Object> dataLoading, Map<String, Integer> skippedUpdates, Provenance provenance,
            String protocol) {
        this(runId, experiment, variant, seed, teacherTraining, edges, networks, history, splitSizes, normalization,
                trainSeconds, imagesPerSecond, dataLoading, skippedUpdates, provenance, protocol, null);
    }

    /** A result of one of kdml's own variants (no protocol). */
    public RunResult(String runId, String experiment, String variant, long seed, String teacherTraining,
            List<String> edges, Map<String, NetworkResult> networks, List<EpochRecord> history,
            Map<String, Integer> splitSizes, Normalization normalization, double trainSeconds, double imagesPerSecond,
            Map<String, Object> dataLoading, Map<String, Integer> skippedUpdates, Provenance provenance) {
        this(runId, experiment, variant, seed, teacherTraining, edges, networks, history, splitSizes, normalization,
                trainSeconds, imagesPerSecond, dataLoading, skippedUpdates, provenance, null, null);
    }
}
