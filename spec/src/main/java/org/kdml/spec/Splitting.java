package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a data set is divided into training, validation and test splits ({@code dataset.split}). */
public enum Splitting implements Keyed {
    /**
     * The splits the data set was published with, used as given and never re-split (PCam's
     * slide-disjoint train/valid/test files).
     */
    OFFICIAL("official"),
    /**
     * Every image pooled, then kdml's own split: stratified by class, grouped, by
     * {@code trainFraction}/{@code valFraction} and the run's seed.
     */
    POOLED("pooled");

    private final String key;

    Splitting(String key) {
        this.key = key;
    }

    /** @return the key used in specs and results */
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
     * @throws SpecException naming {@code field}, the key and the valid keys when it is unknown
     */
    public static Splitting of(String field, String key) {
        return Keyed.of(Splitting.class, field, key, "splitting");
    }
}
