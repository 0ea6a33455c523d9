package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The engine must load with no network: the build runs tests with {@code ai.djl.offline=true}
 * (DJL then refuses any download) and with every HTTP(S) proxy pointed at a closed local port, so
 * a download attempt fails this test instead of quietly fetching a library.
 */
class OfflineEngineTest {

    @Test
    void pytorchLoadsFromTheMavenJarWithoutNetwork() {
        assertEquals("true", System.getProperty("ai.djl.offline"), "tests must run with -Dai.djl.offline=true");
        assertEquals("127.0.0.1", System.getProperty("https.proxyHost"), "tests must run with a dead HTTPS proxy");
        assertNotNull(Thread.currentThread().getContextClassLoader().getResource("native/lib/pytorch.properties"),
                "pytorch-native-cpu (or -cu121) must be on the classpath");
        Engine engine = Engine.getInstance();
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals("2.3.1", engine.getVersion());
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(6f, m.create(new float[] {1, 2, 3}).sum().getFloat());
        }
        String cache = System.getenv("DJL_CACHE_DIR");
        assertNotNull(cache, "DJL_CACHE_DIR must be project-local");
        Path dir = Path.of(cache, "pytorch");
        assertTrue(Files.isDirectory(dir), "native library should be unpacked under " + dir);
    }
}
