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

    /**
     * A result to fill in by name.
     *
     * @param runId the run's stable id
     * @param experiment the experiment's name
     * @param variant the variant key, e.g. {@code kd-ml-v3}
     * @param seed the seed
     */
    public static Builder builder(String runId, String experiment, String variant, long seed) {
        return new Builder(runId, experiment, variant, seed);
    }

    /** @return a builder holding every field of this result, to change some */
    public Builder toBuilder() {
        return new Builder(runId, experiment, variant, seed).teacherTraining(teacherTraining).edges(edges)
                .networks(networks).history(history).splitSizes(splitSizes).normalization(normalization)
                .trainSeconds(trainSeconds).imagesPerSecond(imagesPerSecond).dataLoading(dataLoading)
                .skippedUpdates(skippedUpdates).provenance(provenance).protocol(protocol).teacher(teacher);
    }

    /**
     * Builds a {@link RunResult} field by field; a field not set is empty (lists and maps), 0 or
     * null, as the record's documentation says for each.
     */
    public static final class Builder {
        private final String runId;
        private final String experiment;
        private final String variant;
        private final long seed;
        private String teacherTraining;
        private List<String> edges = List.of();
        private Map<String, NetworkResult> networks = Map.of();
        private List<EpochRecord> history = List.of();
        private Map<String, Integer> splitSizes = Map.of();
        private Normalization normalization;
        private double trainSeconds;
        private double imagesPerSecond;
        private Map<String, Object> dataLoading = Map.of();
        private Map<String, Integer> skippedUpdates = Map.of();
        private Provenance provenance;
        private String protocol;
        private TeacherOrigin teacher;

        private Builder(String runId, String experiment, String variant, long seed) {
            this.runId = runId;
            this.experiment = experiment;
            this.variant = variant;
            this.seed = seed;
        }

        /** @param v {@code none}, {@code frozen} or {@code joint} */
        public Builder teacherTraining(String v) {
            teacherTraining = v;
            return this;
        }

        /** @param v the sharing graph's edges */
        public Builder edges(List<String> v) {
            edges = v;
            return this;
        }

        /** @param v test results by node name, plus the ensembles */
        public Builder networks(Map<String, NetworkResult> v) {
            networks = v;
            return this;
        }

        /** @param v one record per epoch */
        public Builder history(List<EpochRecord> v) {
            history = v;
            return this;
        }

        /** @param v images in {@code train}, {@code val}, {@code test} */
        public Builder splitSizes(Map<String, Integer> v) {
            splitSizes = v;
            return this;
        }

        /** @param v per-channel statistics of the training split */
        public Builder normalization(Normalization v) {
            normalization = v;
            return this;
        }

        /** @param v wall time of training */
        public Builder trainSeconds(double v) {
            trainSeconds = v;
            return this;
        }

        /** @param v training images per second, all networks together */
        public Builder imagesPerSecond(double v) {
            imagesPerSecond = v;
            return this;
        }

        /** @param v how data loading kept up */
        public Builder dataLoading(Map<String, Object> v) {
            dataLoading = v;
            return this;
        }

        /** @param v optimiser steps skipped per network */
        public Builder skippedUpdates(Map<String, Integer> v) {
            skippedUpdates = v;
            return this;
        }

        /** @param v where the result came from */
        public Builder provenance(Provenance v) {
            provenance = v;
            return this;
        }

        /** @param v {@code method-only} or {@code with-kd} for a methods variant; else null */
        public Builder protocol(String v) {
            protocol = v;
            return this;
        }

        /** @param v where a frozen teacher came from; null without one */
        public Builder teacher(TeacherOrigin v) {
            teacher = v;
            return this;
        }

        /** @return the result */
        public RunResult build() {
            return new RunResult(runId, experiment, variant, seed, teacherTraining, edges, networks, history,
                    splitSizes, normalization, trainSeconds, imagesPerSecond, dataLoading, skippedUpdates, provenance,
                    protocol, teacher);
        }
    }
}
