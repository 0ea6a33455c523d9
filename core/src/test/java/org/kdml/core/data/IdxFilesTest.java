package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IDX reader on files written byte by byte here (raw and gzip), the class folders it writes,
 * and each malformed file's message.
 */
class IdxFilesTest {

    @TempDir
    Path dir;

    private static byte[] idx(int type, int[] dims, byte[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(0);
        out.write(type);
        out.write(dims.length);
        for (int d : dims) {
            out.write(d >>> 24);
            out.write(d >>> 16);
            out.write(d >>> 8);
            out.write(d);
        }
        out.writeBytes(values);
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes);
        }
        return file;
    }

    @Test
    void readsRawAndGzipFilesAlike() throws IOException {
        byte[] values = {0, 1, 2, (byte) 200, (byte) 255, 7};
        byte[] bytes = idx(0x08, new int[] {2, 3}, values);
        for (boolean gzip : new boolean[] {false, true}) {
            IdxFiles.Idx read = IdxFiles.read(write("a" + gzip, bytes, gzip));
            assertArrayEquals(new int[] {2, 3}, read.dims());
            assertArrayEquals(values, read.values());
        }
    }

    @Test
    void writesEachImageIntoItsClassFolderKeepingItsPixels() throws IOException {
        // three 2x2 images, labels 1, 0, 1
        byte[] pixels = {0, 10, 20, 30, 40, 50, 60, 70, (byte) 255, (byte) 128, 1, 2};
        Path images = write("images.gz", idx(0x08, new int[] {3, 2, 2}, pixels), true);
        Path labels = write("labels", idx(0x08, new int[] {3}, new byte[] {1, 0, 1}), false);
        Path out = dir.resolve("train");
        Map<String, Integer> written = IdxFiles.toImageFolder(images, labels, List.of("a", "b"), null, out);
        assertEquals(Map.of("a", 1, "b", 2), written);
        assertEquals(List.of("a", "b"), List.copyOf(written.keySet()));
        assertTrue(Files.exists(out.resolve("b/0.png")));
        assertTrue(Files.exists(out.resolve("a/1.png")));
        assertTrue(Files.exists(out.resolve("b/2.png")));
        BufferedImage last = ImageIO.read(out.resolve("b/2.png").toFile());
        assertEquals(2, last.getWidth());
        assertEquals(255, last.getRaster().getSample(0, 0, 0));
        assertEquals(128, last.getRaster().getSample(1, 0, 0));
        assertEquals(1, last.getRaster().getSample(0, 1, 0));
        assertEquals(2, last.getRaster().getSample(1, 1, 0));

        Path few = dir.resolve("few");
        assertEquals(Map.of("a", 1, "b", 1), IdxFiles.toImageFolder(images, labels, List.of("a", "b"), 1, few));
        assertTrue(Files.exists(few.resolve("b/0.png")));
        assertFalse(Files.exists(few.resolve("b/2.png")));
    }

    @Test
    void refusesMalformedFilesNamingThem() throws IOException {
        Path notIdx = write("not-idx", new byte[] {1, 2, 8, 1, 0, 0, 0, 0}, false);
        assertEquals(notIdx + ": not an IDX file (its first two bytes are not zero)",
                assertThrows(DatasetException.class, () -> IdxFiles.read(notIdx)).getMessage());
        Path floats = write("floats", idx(0x0D, new int[] {1}, new byte[4]), false);
        assertEquals(floats + ": IDX value type 0x0d is not supported; only unsigned bytes (0x08)",
                assertThrows(DatasetException.class, () -> IdxFiles.read(floats)).getMessage());
        byte[] whole = idx(0x08, new int[] {4}, new byte[] {1, 2, 3, 4});
        Path shorter = write("short", Arrays.copyOf(whole, whole.length - 1), false);
        assertEquals(shorter + ": IDX file ends before its 4 values",
                assertThrows(DatasetException.class, () -> IdxFiles.read(shorter)).getMessage());
        Path header = write("header", new byte[] {0, 0, 8}, false);
        assertEquals(header + ": IDX file ends inside its header",
                assertThrows(DatasetException.class, () -> IdxFiles.read(header)).getMessage());

        Path images = write("im", idx(0x08, new int[] {2, 1, 1}, new byte[] {5, 6}), false);
        Path three = write("three", idx(0x08, new int[] {3}, new byte[] {0, 1, 0}), false);
        assertEquals(three + ": holds 3 labels for 2 images in im",
                assertThrows(DatasetException.class,
                        () -> IdxFiles.toImageFolder(images, three, List.of("a", "b"), null, dir.resolve("x")))
                        .getMessage());
        Path big = write("big", idx(0x08, new int[] {2}, new byte[] {0, 2}), false);
        assertEquals(big + ": label 2 of image 1 names no class; 2 classes were given",
                assertThrows(DatasetException.class,
                        () -> IdxFiles.toImageFolder(images, big, List.of("a", "b"), null, dir.resolve("y")))
                        .getMessage());
        assertEquals("classes: 'a' is given twice", assertThrows(IllegalArgumentException.class,
                () -> IdxFiles.toImageFolder(images, big, List.of("a", "a"), null, dir.resolve("z"))).getMessage());
    }
}
