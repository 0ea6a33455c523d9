package org.kdml.mlflow;

import java.io.IOException;

/**
 * The tracking server could not be reached, or answered 5xx or 429: try again later. An
 * {@link IOException}, so that {@code Retry.withBackoff} retries it.
 */
public final class MlflowUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message the endpoint and what went wrong */
    public MlflowUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
