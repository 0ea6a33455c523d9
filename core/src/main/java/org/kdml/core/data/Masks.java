package org.kdml.core.data;

import java.nio.file.Path;

/** Reads binary masks (0/255, or 0/1) and checks them against their image. */
final class Masks {

    private Masks() {
    }

    /**
     * Reads {@code mask} as 0/1 and checks that it is binary and {@code width × height}.
     *
     * @throws DatasetException naming the mask file
     */
    static Raster read(Path mask, int width, int height) {
        Raster m = ImageFiles.read(mask, 1);
        if (m.width() != width || m.height() != height) {
            throw DatasetException.of(mask, "mask is " + m.width() + "x" + m.height() + " but its image is " + width
                    + "x" + height);
        }
        float[] d = m.data();
        for (int i = 0; i < d.length; i++) {
            float v = d[i];
            if (v != 0f && v != 1f) {
                throw DatasetException.of(mask, "mask is not binary: value " + Math.round(v * 255) + " at pixel ("
                        + (i % width) + ", " + (i / width) + "); expected 0 or 255");
            }
        }
        return m;
    }

    /** Reads {@code mask} with every nonzero pixel as foreground (1), the rest 0. */
    static Raster readNonzero(Path mask) {
        Raster m = ImageFiles.read(mask, 1);
        float[] d = m.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] != 0f ? 1f : 0f;
        }
        return m;
    }

    static boolean anyForeground(Raster m) {
        for (float v : m.data()) {
            if (v > 0.5f) {
                return true;
            }
        }
        return false;
    }
}
