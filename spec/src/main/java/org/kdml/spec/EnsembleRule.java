package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a classification run's students make one ensemble prediction ({@code training.ensemble}).
 * A segmentation ensemble is always the union of the students' masks.
 */
public enum EnsembleRule implements Keyed {
    /** The mean of the students' class probabilities (kdml's default). */
    MEAN("mean"),
    /**
     * The paper's: for each class the highest probability across the students, the prediction being
     * the class with the highest; the maxima are scaled to sum to 1 (which keeps that decision) to
     * serve as the ensemble's probabilities (AUC, per-image predictions).
     */
    MAX("max");

    private final String key;

    EnsembleRule(String key) {
        this.key = key;
    }

    /** @return the key used in specs */
    @JsonValue
    @Override
    public String key() {
        return key;
    }

    /**
     * Looks a rule up by key.
     *
     * @param field the field the key came from
     * @param key the key
     * @return the rule
     */
    public static EnsembleRule of(String field, String key) {
        return Keyed.of(EnsembleRule.class, field, key, "ensemble rule");
    }
}
