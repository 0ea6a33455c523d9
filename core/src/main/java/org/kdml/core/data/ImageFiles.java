package org.kdml.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Reads and writes TIFF, PNG and JPEG files with the JDK's ImageIO, with errors that name the file. */
public final class ImageFiles {

    private ImageFiles() {
    }

    /** Extensions of the image files the folder layouts index (lower case; matched case-insensitively). */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "tif", "tiff", "bmp");

    /** @return whether {@code file}'s extension is an image's ({@link #EXTENSIONS}) and it is not hidden */
    public static boolean isImage(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return !n.startsWith(".") && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * The width and height of an image, from its header (the pixels are not decoded).
     *
     * @throws DatasetException naming the file when no reader knows it
     */
    public static int[] dimensions(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw DatasetException.of(file, "not an image in a format this JVM reads (PNG, JPEG, TIFF, BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(file.toString(), "unreadable or corrupt image (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads an image as channel-first floats in [0, 1]. PNG, JPEG, TIFF and BMP (the JDK's readers),
     * 8 or 16 bits a sample. The rules for what is not plain grey or RGB:
     * <ul>
     *   <li>grey is repeated to three channels;</li>
     *   <li>an alpha channel is dropped: the colour is used as stored, not composited onto a
     *       background (grey + alpha reads as grey, RGBA as RGB);</li>
     *   <li>a palette (indexed) image is expanded to its RGB colours;</li>
     *   <li>any other number of colour channels (CMYK, two-channel, multispectral) is refused,
     *       naming the file.</li>
     * </ul>
     *
     * @param file the file
     * @param channels 3 for RGB (grey images are repeated), 1 for masks (the first colour channel)
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
            throw DatasetException.of(file, "not an image in a format this JVM reads (PNG, JPEG, TIFF, BMP)");
        }
        if (img.getColorModel() instanceof IndexColorModel) {
            BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(img, 0, 0, null);
            img = rgb;
        }
        int colours = img.getColorModel().getNumColorComponents();
        if (colours != 1 && colours != 3) {
            throw DatasetException.of(file, "has " + colours + " colour channels; kdml reads grey (1) or RGB (3),"
                    + " with or without alpha");
        }
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int bands = colours; // an alpha band, when present, comes after the colour bands and is dropped
        int bits = img.getColorModel().getComponentSize(0);
        float max = (float) ((1L << Math.min(bits, 16)) - 1);
        float[] out = new float[channels * h * w];
        int[] px = new int[r.getNumBands()];
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

    /** Writes an 8-bit grey image ({@code pixels} row-major, {@code height × width}) as a PNG. */
    public static void writeGrey(byte[] pixels, int height, int width, Path file) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.getRaster().setSample(x, y, 0, pixels[y * width + x] & 0xFF);
            }
        }
        write(img, file, "png");
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
