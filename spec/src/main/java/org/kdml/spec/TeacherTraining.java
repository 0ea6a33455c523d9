package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How the teacher is trained within a run. */
public enum TeacherTraining {
    /** No teacher in the run (mutual learning). */
    NONE("none"),
    /** Trained on the task first, then frozen while the students learn (KD off). */
    FROZEN("frozen"),
    /** Trained on the task at the same time as the students (KD on). */
    JOINT("joint");

    private final String key;

    TeacherTraining(String key) {
        this.key = key;
    }

    /** @return the key used in specs */
    @JsonValue
    public String key() {
        return key;
    }

    /**
     * Looks a value up by key.
     *
     * @param field the field the key came from
     * @param key the key
     * @return the value
     */
    public static TeacherTraining of(String field, String key) {
        for (TeacherTraining t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        throw new SpecException(field, "unknown teacher training '" + key + "'; valid: "
                + Arrays.stream(values()).map(TeacherTraining::key).collect(Collectors.joining(", ")));
    }
}
