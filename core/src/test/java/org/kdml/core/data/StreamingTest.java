package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingTest {

    /** A data set over the cache budget is decoded again on demand, with the same pixels (to 8 bits). */
    @Test
    void overTheCacheBudgetImagesAreDecodedOnDemand(@TempDir Path dir) throws Exception {
        SyntheticPatches.writePcam(dir, 24, 2);
        DiskImages cached = new DiskImages(new PcamFolder(dir, 2, false), 48, null, false, 2, 1L << 30);
        DiskImages streamed = new DiskImages(new PcamFolder(dir, 2, false), 48, null, false, 2, 0);
        assertTrue(cached.cached());
        assertFalse(streamed.cached());
        assertEquals(cached.fingerprint(), streamed.fingerprint());
        for (int i = 0; i < 24; i += 5) {
            float[] a = cached.image(i);
            float[] b = streamed.image(i);
            for (int k = 0; k < a.length; k++) {
                assertEquals(a[k], b[k], 0.5f / 255 + 1e-6f, "image " + i + " value " + k);
            }
        }
    }
}
