package org.kdml.pipeline.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** Where a run stands in the orchestrator's view, by its name in the status JSON. */
public enum RunStatus {
    /** Published, not taken yet. */
    QUEUED("queued"),
    /** A worker took it. */
    STARTED("started"),
    /** Training: an epoch or a checkpoint was reported. */
    RUNNING("running"),
    /** An attempt failed and another follows. */
    RETRYING("retrying"),
    /** Training is done; no metrics yet. */
    COMPLETED("completed"),
    /** Its metrics are in. */
    EVALUATED("evaluated"),
    /** Its last attempt failed. */
    FAILED("failed");

    private final String wire;

    RunStatus(String wire) {
        this.wire = wire;
    }

    /** @return the name in the status JSON */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @throws IllegalArgumentException naming the valid states */
    @JsonCreator
    public static RunStatus of(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("state: unknown run state '" + wire + "'"));
    }

    @Override
    public String toString() {
        return wire;
    }
}
