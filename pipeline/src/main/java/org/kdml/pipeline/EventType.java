package org.kdml.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The types of a run's lifecycle events on {@code kdml.events}, by their names on the wire. */
public enum EventType {
    /** The orchestrator published the run. */
    QUEUED("queued", "published by the orchestrator"),
    /** A worker took the run. */
    STARTED("started", "a worker took it; when it resumes, `position` = the state it resumes from and `reason`"
            + " says so in words"),
    /** An epoch finished. */
    EPOCH("epoch", "`metrics`: train losses and validation scores"),
    /** A checkpoint is durable in S3. */
    CHECKPOINTED("checkpointed", "durable in S3; `metrics.checkpoint` = its prefix"),
    /** A worker stopped gracefully (SIGTERM, a scale-in); the run resumes elsewhere from exactly there. */
    STOPPED("stopped", "a worker stopped gracefully (SIGTERM, scale-in) after a step; `metrics.checkpoint` = the"
            + " state of exactly where (`metrics.step` of `metrics.steps` into `epoch`), which the next worker resumes"
            + " from; `position` = the same, typed"),
    /** Training is done and the final checkpoint is durable. */
    COMPLETED("completed", "`metrics.checkpoint` = S3 prefix of the final model"),
    /** An attempt failed. */
    FAILED("failed", "`reason`: the error; `retrying`: whether another attempt follows");

    private final String wire;
    private final String meaning;

    EventType(String wire, String meaning) {
        this.wire = wire;
        this.meaning = meaning;
    }

    /** @return the name on the wire, e.g. {@code completed} */
    @JsonValue
    public String wire() {
        return wire;
    }

    /**
     * @throws IllegalArgumentException naming the field and the valid types
     */
    @JsonCreator
    public static EventType of(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("type: unknown event type '" + wire + "'; valid: "
                        + Arrays.stream(values()).map(EventType::wire).collect(Collectors.joining(", "))));
    }

    /** @return every type with its meaning, for the contract table */
    static String table() {
        return Arrays.stream(values()).map(t -> "`" + t.wire + "` (" + t.meaning + ")")
                .collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return wire;
    }
}
