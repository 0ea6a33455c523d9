package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A phase of a run's training, written by its lower-case key in epoch records, training states,
 * run events and checkpoint names ({@code epoch-<phase>-NNNN}).
 */
public enum Phase implements Keyed {
    /** The teacher alone on its task, before it is frozen (KD off). */
    TEACHER("teacher"),
    /** Every trainable network together. */
    JOINT("joint");

    private final String key;

    Phase(String key) {
        this.key = key;
    }

    /** @return the key, e.g. {@code joint} */
    @JsonValue
    @Override
    public String key() {
        return key;
    }

    /** @return {@link #key()}, so that names built from a phase stay as they were written */
    @Override
    public String toString() {
        return key;
    }

    /**
     * Looks a phase up by key.
     *
     * @param field the field the key came from
     * @param key the key
     * @return the phase
     * @throws SpecException naming {@code field}, the key and the valid keys
     */
    public static Phase of(String field, String key) {
        return Keyed.of(Phase.class, field, key, "phase");
    }

    /** Reads a {@code phase} field. */
    @JsonCreator
    static Phase fromJson(String key) {
        return of("phase", key);
    }

    /** @return the valid keys, comma separated */
    public static String keys() {
        return Keyed.keys(Phase.class);
    }
}
