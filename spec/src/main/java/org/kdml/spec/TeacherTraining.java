package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the teacher is trained within a run. */
public enum TeacherTraining implements Keyed {
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
    @Override
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
        return Keyed.of(TeacherTraining.class, field, key, "teacher training");
    }
}
