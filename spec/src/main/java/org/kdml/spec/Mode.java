package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A distillation mode: who teaches whom (docs/method.md, "Sharing graph: modes × versions"). */
public enum Mode {
    /** Teacher trained first, then frozen; students learn from it. */
    KD_OFF("kd-off", "KD off", true, false, TeacherTraining.FROZEN),
    /** Teacher trained at the same time; students learn from it. */
    KD_ON("kd-on", "KD on", true, false, TeacherTraining.JOINT),
    /** No teacher; students learn from each other (Deep Mutual Learning). */
    ML("ml", "ML", false, true, TeacherTraining.NONE),
    /** Teacher (trained at the same time by default) and peers teach each student. */
    KD_ML("kd-ml", "KD+ML", true, true, TeacherTraining.JOINT);

    private final String key;
    private final String display;
    private final boolean fromTeacher;
    private final boolean fromPeers;
    private final TeacherTraining defaultTeacher;

    Mode(String key, String display, boolean fromTeacher, boolean fromPeers, TeacherTraining defaultTeacher) {
        this.key = key;
        this.display = display;
        this.fromTeacher = fromTeacher;
        this.fromPeers = fromPeers;
        this.defaultTeacher = defaultTeacher;
    }

    /** @return the lower-kebab key, e.g. {@code kd-ml} */
    @JsonValue
    public String key() {
        return key;
    }

    /** @return the name tables and reports print, as the paper writes it, e.g. {@code KD+ML} */
    public String display() {
        return display;
    }

    /** @return whether students learn from the teacher */
    public boolean fromTeacher() {
        return fromTeacher;
    }

    /** @return whether students learn from each other */
    public boolean fromPeers() {
        return fromPeers;
    }

    /** @return how the teacher is trained unless the spec says otherwise */
    public TeacherTraining defaultTeacher() {
        return defaultTeacher;
    }

    /**
     * Looks a mode up by key.
     *
     * @param field the field the key came from
     * @param key the key, e.g. {@code kd-off}
     * @return the mode
     */
    public static Mode of(String field, String key) {
        for (Mode m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        throw new SpecException(field, "unknown mode '" + key + "'; valid: " + keys());
    }

    /**
     * @return the modes in the order of the paper's tables: ML, KD off, KD on, KD+ML (KD+ML, the
     *     paper's proposal, last)
     */
    public static List<Mode> paperOrder() {
        return List.of(ML, KD_OFF, KD_ON, KD_ML);
    }

    /** @return the valid keys, comma separated */
    public static String keys() {
        return Arrays.stream(values()).map(Mode::key).collect(Collectors.joining(", "));
    }
}
