package org.kdml.core.data;

import java.io.IOException;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;

/**
 * Keeps the data set of the last run open, so that a grid over one data set decodes it once per
 * service rather than once per run.
 */
public final class DataCache implements AutoCloseable {

    private String key;
    private DiskImages open;

    /** @return the data set {@code spec} names, opened (and verified) once */
    public synchronized DiskImages get(DatasetSpec spec, Task task) throws IOException {
        String k = task + Specs.json().writeValueAsString(spec);
        if (!k.equals(key)) {
            close();
            open = Datasets.open(spec, task);
            key = k;
        }
        return open;
    }

    @Override
    public synchronized void close() {
        if (open != null) {
            try {
                open.close();
            } catch (Exception e) {
                // Closing a read-only data set cannot lose anything.
            }
            open = null;
            key = null;
        }
    }
}
