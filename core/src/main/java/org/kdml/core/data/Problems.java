package org.kdml.core.data;

import java.util.ArrayList;
import java.util.List;

/** Collects bad-input problems: fails on the first unless the user asked to skip bad items. */
final class Problems {

    private final boolean skipBad;
    private final List<String> skipped = new ArrayList<>();

    Problems(boolean skipBad) {
        this.skipBad = skipBad;
    }

    /** Reports a problem: throws it, or records it when skipping. */
    void report(DatasetException e) {
        if (!skipBad) {
            throw e;
        }
        skipped.add(e.getMessage());
    }

    List<String> skipped() {
        return List.copyOf(skipped);
    }
}
