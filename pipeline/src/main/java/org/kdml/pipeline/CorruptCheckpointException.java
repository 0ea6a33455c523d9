package org.kdml.pipeline;

import java.io.IOException;

/** A checkpoint whose bytes do not match its manifest (or that has none): never loaded. */
public final class CorruptCheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message names the object and what does not match */
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
