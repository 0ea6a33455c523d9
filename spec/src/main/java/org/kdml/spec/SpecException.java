package org.kdml.spec;

/**
 * A spec, edge or setting that cannot be used, with the field that is wrong.
 *
 * <p>The message always names the field (for example {@code training.alpha}) and the rejected
 * value, so that a user can fix the spec without reading code.
 */
public final class SpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * Creates an exception for a bad field.
     *
     * @param field the dotted path of the field, e.g. {@code training.alpha}
     * @param message what is wrong, including the bad value
     */
    public SpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** @return the dotted path of the offending field */
    public String field() {
        return field;
    }

    /** Fails with a message naming {@code field} unless {@code ok}. */
    static void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new SpecException(field, message);
        }
    }
}
