package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.kdml.results.EpochRecord;
import org.kdml.spec.Phase;

/**
 * A run's lifecycle on {@code kdml.events}, keyed by run id.
 *
 * @param type what happened
 * @param runId the run
 * @param experiment its experiment
 * @param variant its variant key
 * @param seed its seed
 * @param attempt 1 for the first delivery, more after a redelivery
 * @param worker the worker that sent it (null from the orchestrator)
 * @param phase the training phase, for epoch and checkpoint events
 * @param epoch epoch within the phase
 * @param epochs epochs in the phase
 * @param metrics training losses and validation scores of the epoch; for {@code completed}, the
 *     S3 prefix of the final checkpoint under {@code checkpoint}
 * @param reason why, for {@code failed} (and for {@code started} when it resumes), for people
 * @param position for {@code started}, the state it resumed from (null when it starts afresh); for
 *     {@code stopped}, the state it stopped at; null for other types and in events written before
 *     the field existed
 * @param retrying for {@code failed}: whether another attempt follows (null for other types, and on
 *     events written before the flag existed)
 * @param index 1-based position of the run in its experiment
 * @param total runs in the experiment
 * @param time milliseconds since the epoch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEvent(EventType type, String runId, String experiment, String variant, long seed, int attempt,
        String worker, Phase phase, Integer epoch, Integer epochs, Map<String, Object> metrics, String reason,
        RunPosition position, Boolean retrying, int index, int total, long time) {

    /** Validates. */
    public RunEvent {
        if (type == null) {
            throw new IllegalArgumentException("type: required");
        }
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("runId: required");
        }
        if (position != null && type != EventType.STARTED && type != EventType.STOPPED) {
            throw new IllegalArgumentException("position: set on started and stopped events only, got one on " + type);
        }
        if (type != EventType.FAILED && retrying != null) {
            throw new IllegalArgumentException("retrying: set on failed events only, got " + retrying + " on " + type);
        }
    }

    /** An event about {@code run} with no epoch details (not {@code failed}: see {@link #failed}). */
    public static RunEvent of(EventType type, RunMessage run, int attempt, String worker, String reason) {
        return about(type, run, attempt, worker).reason(reason).build();
    }

    /** A builder of an event of {@code type} about {@code run}, at the current time. */
    private static Builder about(EventType type, RunMessage run, int attempt, String worker) {
        return builder(type, run.runId(), run.experiment()).variant(run.variant()).seed(run.seed()).attempt(attempt)
                .worker(worker).index(run.index()).total(run.total()).time(System.currentTimeMillis());
    }

    /** A builder of an event of {@code type} about run {@code runId} of {@code experiment}; other fields by name. */
    public static Builder builder(EventType type, String runId, String experiment) {
        return new Builder(type, runId, experiment);
    }

    /** @return a builder holding every field of this event, to change some */
    public Builder toBuilder() {
        return new Builder(type, runId, experiment).variant(variant).seed(seed).attempt(attempt).worker(worker)
                .epoch(phase, epoch, epochs).metrics(metrics).reason(reason).position(position).retrying(retrying)
                .index(index).total(total).time(time);
    }

    /** Builds a {@link RunEvent} field by field (unset: null, or 0 for numbers); {@link #build} validates. */
    public static final class Builder {
        private final EventType type;
        private final String runId;
        private final String experiment;
        private String variant;
        private long seed;
        private int attempt;
        private String worker;
        private Phase phase;
        private Integer epoch;
        private Integer epochs;
        private Map<String, Object> metrics;
        private String reason;
        private RunPosition position;
        private Boolean retrying;
        private int index;
        private int total;
        private long time;

        private Builder(EventType type, String runId, String experiment) {
            this.type = type;
            this.runId = runId;
            this.experiment = experiment;
        }

        /** @param v the variant key */
        public Builder variant(String v) {
            variant = v;
            return this;
        }

        /** @param v the seed */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** @param v the attempt (1 for the first delivery) */
        public Builder attempt(int v) {
            attempt = v;
            return this;
        }

        /** @param v the worker that sent it */
        public Builder worker(String v) {
            worker = v;
            return this;
        }

        /**
         * @param p the phase
         * @param e epoch within the phase
         * @param n epochs in the phase
         */
        public Builder epoch(Phase p, Integer e, Integer n) {
            phase = p;
            epoch = e;
            epochs = n;
            return this;
        }

        /** @param v losses and scores, or the checkpoint and timings (see the record) */
        public Builder metrics(Map<String, Object> v) {
            metrics = v;
            return this;
        }

        /** @param v why, for people */
        public Builder reason(String v) {
            reason = v;
            return this;
        }

        /** @param v where it resumed from or stopped at */
        public Builder position(RunPosition v) {
            position = v;
            return this;
        }

        /** @param v for failed events: whether another attempt follows */
        public Builder retrying(Boolean v) {
            retrying = v;
            return this;
        }

        /** @param v 1-based position of the run in its experiment */
        public Builder index(int v) {
            index = v;
            return this;
        }

        /** @param v runs in the experiment */
        public Builder total(int v) {
            total = v;
            return this;
        }

        /** @param v milliseconds since the epoch */
        public Builder time(long v) {
            time = v;
            return this;
        }

        /** @return the event, validated */
        public RunEvent build() {
            return new RunEvent(type, runId, experiment, variant, seed, attempt, worker, phase, epoch, epochs, metrics,
                    reason, position, retrying, index, total, time);
        }
    }

    /**
     * Whether this event parks its run as failed: a {@code failed} event that no attempt follows.
     * One written before the {@code retrying} flag existed (null) parks its run too: retries came
     * with the flag. The orchestrator, the reporter, the MLflow bridge and the chaos suite all ask
     * this, so that they agree on which runs are over.
     */
    public boolean parked() {
        return type == EventType.FAILED && !Boolean.TRUE.equals(retrying);
    }

    /**
     * A failed attempt.
     *
     * @param retrying whether another attempt follows
     */
    public static RunEvent failed(RunMessage run, int attempt, String worker, String reason, boolean retrying) {
        return about(EventType.FAILED, run, attempt, worker).reason(reason).retrying(retrying).build();
    }

    /** This event with epoch details. */
    public RunEvent withEpoch(Phase phase, int epoch, int epochs, Map<String, Object> metrics) {
        return toBuilder().epoch(phase, epoch, epochs).metrics(metrics).build();
    }

    /**
     * This event with an epoch's record: its phase and epoch, and {@code metrics} =
     * {@code {train, validation, seconds}} ({@link #epochRecord} reads it back).
     *
     * @param epochs epochs in the record's phase
     */
    public RunEvent withEpoch(EpochRecord record, int epochs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(TRAIN, record.train());
        m.put(VALIDATION, record.validation());
        m.put(SECONDS, record.seconds());
        return withEpoch(record.phase(), record.epoch(), epochs, m);
    }

    /** This event with the position it resumed from ({@code started}) or stopped at ({@code stopped}). */
    public RunEvent withPosition(RunPosition at) {
        return toBuilder().position(at).build();
    }

    /**
     * @return an {@code epoch} event's record: its phase and epoch, the mean of each loss term, each
     *     network's validation score and the epoch's seconds (values that are not numbers are left
     *     out; missing seconds are NaN); empty for other types
     * @throws IllegalArgumentException naming {@code metrics.train} or {@code metrics.validation} when it is not a map
     */
    public Optional<EpochRecord> epochRecord() {
        if (type != EventType.EPOCH || phase == null || epoch == null || metrics == null) {
            return Optional.empty();
        }
        Double seconds = number(metrics.get(SECONDS));
        return Optional.of(new EpochRecord(phase, epoch, numbers(metrics.get(TRAIN), TRAIN),
                numbers(metrics.get(VALIDATION), VALIDATION), seconds == null ? Double.NaN : seconds));
    }

    /**
     * @return the S3 folder a {@code checkpointed}, {@code stopped} or {@code completed} event names
     *     ({@code bucket/key} or a key), or null
     */
    public String checkpoint() {
        Object c = metrics == null ? null : metrics.get(CHECKPOINT);
        return c == null ? null : c.toString();
    }

    /**
     * @return a {@code completed} event's timings of its attempt ({@code attemptSeconds},
     *     {@code trainSeconds}, {@code finalUploadSeconds}, …; every number it carries), by name;
     *     empty for other types
     */
    public Map<String, Double> timings() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (type == EventType.COMPLETED && metrics != null) {
            metrics.forEach((k, v) -> {
                if (v instanceof Number n) {
                    out.put(k, n.doubleValue());
                }
            });
        }
        return out;
    }

    /** Names in {@code metrics}: an epoch's loss terms, its validation scores, its seconds. */
    public static final String TRAIN = "train";
    /** See {@link #TRAIN}. */
    public static final String VALIDATION = "validation";
    /** See {@link #TRAIN}. */
    public static final String SECONDS = "seconds";
    /** The S3 folder of {@code checkpointed}, {@code stopped} and {@code completed}. */
    public static final String CHECKPOINT = "checkpoint";

    private static Map<String, Double> numbers(Object map, String field) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (map == null) {
            return out;
        }
        if (!(map instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("metrics." + field + ": not a map of numbers: " + map);
        }
        m.forEach((k, v) -> {
            Double d = number(v);
            if (d != null) {
                out.put(String.valueOf(k), d);
            }
        });
        return out;
    }

    /**
     * @return the number {@code v} holds: a JSON number, or {@code "NaN"}, {@code "Infinity"},
     *     {@code "-Infinity"} as Jackson writes them; null for anything else (left out)
     */
    private static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String t && (t.equals("NaN") || t.equals("Infinity") || t.equals("-Infinity"))) {
            return Double.parseDouble(t);
        }
        return null;
    }
}
