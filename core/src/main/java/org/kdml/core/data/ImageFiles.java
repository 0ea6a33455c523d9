package org.kdml.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reads and writes TIFF, PNG and JPEG files with the JDK's ImageIO, with errors that name the file. */
public final class ImageFiles {

    private ImageFiles() {
    }

    /**
     * Reads an image as channel-first floats in [0, 1].
     *
     * @param file the file
     * @param channels 3 for RGB (grey images are repeated), 1 for masks (the first band)
     * @return the raster
     * @throws DatasetException naming the file when it is missing, unreadable, corrupt or truncated
     */
    public static org.kdml.core.data.Raster read(Path file, int channels) {  // qualified: java.awt.image.Raster is imported
        BufferedImage img;
        try {
            if (!Files.isRegularFile(file)) {
                throw DatasetException.of(file, "file not found");
            }
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(file.toString(), "unreadable or corrupt image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw DatasetException.of(file, "not an image in a format this JVM reads (TIFF, PNG, JPEG)");
        }
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int bands = r.getNumBands();
        int bits = img.getColorModel().getComponentSize(0);
        float max = (float) ((1L << Math.min(bits, 16)) - 1);
        float[] out = new float[channels * h * w];
        int[] px = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, px);
                for (int c = 0; c < channels; c++) {
                    out[c * h * w + y * w + x] = px[Math.min(c, bands - 1)] / max;
                }
            }
        }
        return new org.kdml.core.data.Raster(channels, h, w, out);  // qualified: java.awt.image.Raster is imported
    }

    /** Writes an RGB raster (values in [0, 1]) as {@code format} ("tiff", "png", "jpg"). */
    public static void writeRgb(org.kdml.core.data.Raster raster, Path file, String format) throws IOException {  // qualified: java.awt.image.Raster is imported
        int h = raster.height();
        int w = raster.width();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        float[] d = raster.data();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                int rr = byteOf(d[p]);
                int gg = byteOf(d[(raster.channels() > 1 ? h * w : 0) + p]);
                int bb = byteOf(d[(raster.channels() > 2 ? 2 * h * w : 0) + p]);
                img.setRGB(x, y, (rr << 16) | (gg << 8) | bb);
            }
        }
        write(img, file, format);
    }

    /** Writes a one-channel mask (0 or 1) as an 8-bit grey image with values 0/255. */
    public static void writeMask(org.kdml.core.data.Raster mask, Path file, String format) throws IOException {  // qualified: java.awt.image.Raster is imported
        BufferedImage img = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < mask.width(); x++) {
                img.getRaster().setSample(x, y, 0, mask.data()[y * mask.width() + x] > 0.5f ? 255 : 0);
            }
        }
        write(img, file, format);
    }

    private static void write(BufferedImage img, Path file, String format) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
    }

    private static int byteOf(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }
}
