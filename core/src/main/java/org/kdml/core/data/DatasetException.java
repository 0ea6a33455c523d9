package org.kdml.core.data;

import java.nio.file.Path;

/**
 * A data set item or file that cannot be used: the message names the file (or row) and the
 * problem, e.g. {@code train/ab12.tif: image is 64x64, expected 96x96}.
 */
public final class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param where the file or row, @param problem what is wrong with it */
    public DatasetException(String where, String problem) {
        super(where + ": " + problem);
    }

    /** @param where the file or row, @param problem what is wrong, @param cause the underlying error */
    public DatasetException(String where, String problem, Throwable cause) {
        super(where + ": " + problem, cause);
    }

    /** @return an exception naming {@code file} */
    public static DatasetException of(Path file, String problem) {
        return new DatasetException(file.toString(), problem);
    }
}
