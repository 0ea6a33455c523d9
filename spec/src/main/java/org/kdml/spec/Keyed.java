package org.kdml.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An enum written in specs, results and messages by a lower-case key; {@link #of} looks a value up
 * by key for every such enum, with one error message naming the field, the key and the valid keys.
 */
public interface Keyed {

    /** @return the key used in specs */
    String key();

    /**
     * @param type the enum
     * @param field the field the key came from
     * @param key the key
     * @param what what a value is called in the message, e.g. {@code teacher training}
     * @return the value with that key
     * @throws SpecException {@code <field>: unknown <what> '<key>'; valid: <keys>}
     */
    static <E extends Enum<E> & Keyed> E of(Class<E> type, String field, String key, String what) {
        for (E e : type.getEnumConstants()) {
            if (e.key().equals(key)) {
                return e;
            }
        }
        throw new SpecException(field, "unknown " + what + " '" + key + "'; valid: " + keys(type));
    }

    /** @return the keys of {@code type}, comma separated, in declaration order */
    static <E extends Enum<E> & Keyed> String keys(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Keyed::key).collect(Collectors.joining(", "));
    }
}
