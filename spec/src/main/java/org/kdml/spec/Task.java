package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What an experiment's networks learn; written in specs and results by its lower-case key. */
public enum Task implements Keyed {
    /** One label per image (the default). */
    CLASSIFICATION("classification"),
    /** A binary mask per image: U-Nets on the same encoders. */
    SEGMENTATION("segmentation");

    private final String key;

    Task(String key) {
        this.key = key;
    }

    /** @return the key used in specs, e.g. {@code segmentation} */
    @JsonValue
    @Override
    public String key() {
        return key;
    }

    /** @return {@link #key()}, so that text built from a task reads as the spec does */
    @Override
    public String toString() {
        return key;
    }

    /**
     * Looks a task up by key.
     *
     * @param field the field the key came from, e.g. {@code task}
     * @param key the key
     * @return the task
     * @throws SpecException naming {@code field}, the key and the valid keys
     */
    public static Task of(String field, String key) {
        return Keyed.of(Task.class, field, key, "task");
    }

    /** Reads a spec's {@code task} field. */
    @JsonCreator
    static Task fromJson(String key) {
        return of("task", key);
    }

    /** @return the valid keys, comma separated */
    public static String keys() {
        return Keyed.keys(Task.class);
    }
}
