package org.kdml.mlflow;

/**
 * The tracking server refused a request (a 4xx other than 429): the request is at fault, so it is
 * not retried. An {@link IllegalArgumentException}, which {@code Retry.withBackoff} does not retry.
 */
public final class MlflowRejectedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorCode;

    /**
     * @param endpoint the endpoint, e.g. {@code runs/log-batch}
     * @param status the HTTP status
     * @param errorCode MLflow's {@code error_code}, e.g. {@code INVALID_PARAMETER_VALUE}
     * @param message MLflow's {@code message}
     */
    public MlflowRejectedException(String endpoint, int status, String errorCode, String message) {
        super(endpoint + ": HTTP " + status + " " + errorCode + ": " + message);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return MLflow's {@code error_code} */
    public String errorCode() {
        return errorCode;
    }
}
