package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Where a run's frozen teacher came from, recorded in {@code result.json}: trained by this run,
 * reused from the run that trained the same teacher (same {@link org.kdml.spec.TeacherKey}), or
 * loaded from the spec's {@code teacherCheckpoint}.
 *
 * @param key the teacher's key (null for a checkpoint: its key is not known)
 * @param source {@link #TRAINED}, {@link #REUSED} or {@link #CHECKPOINT}
 * @param from the run that trained it (reused) or the checkpoint's path; null when trained here
 */
public record TeacherOrigin(@JsonInclude(JsonInclude.Include.NON_NULL) String key, String source,
        @JsonInclude(JsonInclude.Include.NON_NULL) String from) {

    /** The run trained its teacher itself. */
    public static final String TRAINED = "trained";

    /** The run took the teacher another run trained. */
    public static final String REUSED = "reused";

    /** The run started from {@code teacherCheckpoint}. */
    public static final String CHECKPOINT = "checkpoint";

    /** Validates. */
    public TeacherOrigin {
        if (!List.of(TRAINED, REUSED, CHECKPOINT).contains(source)) {
            throw new IllegalArgumentException("source: must be trained, reused or checkpoint, got " + source);
        }
        if (!source.equals(TRAINED) && (from == null || from.isBlank())) {
            throw new IllegalArgumentException("from: required when the teacher was " + source);
        }
    }
}
