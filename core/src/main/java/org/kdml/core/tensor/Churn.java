package org.kdml.core.tensor;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;

/**
 * A diagnostic instrument for tests and {@code kdml bench --export --churn}, never called in
 * training. What a garbage collection inside a training step does: collects unreachable Java objects (and the
 * direct buffers under DJL's scalar operands with them), then allocates many small direct buffers
 * filled with junk, so that memory just freed is reused and overwritten.
 */
public final class Churn {

    private Churn() {
    }

    /** Collects, then reuses freed native memory, three times. */
    public static void collectAndReuse() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            ByteBuffer[] keep = new ByteBuffer[2000];
            for (int i = 0; i < keep.length; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 + 4 * (i % 16));
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
                keep[i] = b;
            }
            try (NDManager m = NDManager.newBaseManager()) {
                for (int i = 0; i < 5000; i++) {
                    m.create(1e30f * i).close();
                }
            }
        }
    }
}
