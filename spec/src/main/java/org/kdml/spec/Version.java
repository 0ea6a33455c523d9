package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/** A sharing version: which knowledge travels on each edge (docs/method.md, "Sharing graph: modes × versions"). */
public enum Version implements Keyed {
    /** Predictions on every edge. */
    V1("v1"),
    /** Features on every edge. */
    V2("v2"),
    /** Diversified: each student is taught in a different style. */
    V3("v3");

    private final String key;

    Version(String key) {
        this.key = key;
    }

    /** @return the key, e.g. {@code v3} */
    @JsonValue
    @Override
    public String key() {
        return key;
    }

    /**
     * Looks a version up by key.
     *
     * @param field the field the key came from
     * @param key the key
     * @return the version
     */
    public static Version of(String field, String key) {
        return Keyed.of(Version.class, field, key, "version");
    }
}
