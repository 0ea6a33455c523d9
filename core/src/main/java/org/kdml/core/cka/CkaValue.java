package org.kdml.core.cka;

import java.util.Locale;

/**
 * One CKA value, or the reason there is none. CKA divides by the self-similarity of each
 * representation; a representation that is constant on the sample has none, and its CKA with
 * anything is 0/0: undefined, not 0.
 *
 * @param value the CKA; NaN exactly when undefined
 * @param undefinedReason why it is undefined, e.g. {@code X is constant on the sample}; null when defined
 */
public record CkaValue(double value, String undefinedReason) {

    /** Rejects a defined value that is not finite and an undefined one that carries a number. */
    public CkaValue {
        if (undefinedReason == null && !Double.isFinite(value)) {
            throw new IllegalArgumentException("a defined CKA must be finite, got " + value
                    + " (give the reason it is undefined instead)");
        }
        if (undefinedReason != null && !Double.isNaN(value)) {
            throw new IllegalArgumentException("an undefined CKA has no value, got " + value + " with reason '"
                    + undefinedReason + "'");
        }
        if (undefinedReason != null && undefinedReason.isBlank()) {
            throw new IllegalArgumentException("undefinedReason: must say why, got a blank string");
        }
    }

    /** @return the defined value {@code v} */
    public static CkaValue of(double v) {
        return new CkaValue(v, null);
    }

    /** @return an undefined value, with why */
    public static CkaValue undefined(String reason) {
        return new CkaValue(Double.NaN, reason);
    }

    /** @return whether there is a value */
    public boolean defined() {
        return undefinedReason == null;
    }

    /** @return the value, or null when undefined (what the JSON files and messages hold) */
    public Double orNull() {
        return defined() ? value : null;
    }

    @Override
    public String toString() {
        return defined() ? String.format(Locale.ROOT, "%.6f", value) : "undefined (" + undefinedReason + ")";
    }
}
