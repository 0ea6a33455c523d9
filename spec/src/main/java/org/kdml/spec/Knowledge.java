package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The kind of knowledge an edge of the sharing graph carries. */
public enum Knowledge {
    /** Softened class probabilities: {@code T² · KL(p_src(T) ‖ p_dst(T))}. */
    PREDICTIONS("predictions"),
    /** The shared feature map: {@code MSE(f_src, f_dst)}. */
    FEATURES("features");

    private final String key;

    Knowledge(String key) {
        this.key = key;
    }

    /** @return the lower-kebab key used in specs and metric names */
    @JsonValue
    public String key() {
        return key;
    }

    /** @return the other kind of knowledge */
    public Knowledge other() {
        return this == PREDICTIONS ? FEATURES : PREDICTIONS;
    }

    /**
     * Looks a kind up by key.
     *
     * @param field the field the key came from, for the error message
     * @param key the key, e.g. {@code predictions}
     * @return the kind
     */
    public static Knowledge of(String field, String key) {
        for (Knowledge k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        throw new SpecException(field, "unknown knowledge '" + key + "'; valid: " + keys());
    }

    static String keys() {
        return Arrays.stream(values()).map(Knowledge::key).collect(Collectors.joining(", "));
    }
}
