package org.kdml.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The one reader of the IDX format (LeCun's MNIST format, also Fashion-MNIST's): a big-endian
 * header {@code 0x00 0x00 type rank}, {@code rank} 32-bit dimensions, then the values row-major.
 * Only unsigned bytes ({@code type 0x08}) are read, the type of every published IDX data set.
 * Files may be gzip-compressed (detected by their magic bytes, not their name).
 *
 * <p>{@link #toImageFolder} writes a pair (images of rank 3, labels of rank 1) as the
 * {@code imagefolder} layout, {@code out/<class>/<index>.png}, so that such data sets enter kdml
 * through the same loader as a user's own images.
 */
public final class IdxFiles {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxFiles() {
    }

    /** The contents of one IDX file: its dimensions and its unsigned bytes, row-major. */
    public record Idx(int[] dims, byte[] values) {
        /** Checks that the values fill the dimensions. */
        public Idx {
            long n = 1;
            for (int d : dims) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension " + d);
                }
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("dimensions give " + n + " values, found " + values.length);
            }
        }
    }

    /**
     * Reads an IDX file of unsigned bytes.
     *
     * @throws DatasetException naming the file when it is not IDX, holds another type, or ends early
     */
    public static Idx read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(unzipped(raw), 1 << 16))) {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int rank = in.readUnsignedByte();
            if (zero != 0) {
                throw DatasetException.of(file, "not an IDX file (its first two bytes are not zero)");
            }
            if (type != UNSIGNED_BYTE) {
                throw DatasetException.of(file, String.format(
                        "IDX value type 0x%02x is not supported; only unsigned bytes (0x08)", type));
            }
            if (rank == 0) {
                throw DatasetException.of(file, "IDX rank is 0");
            }
            int[] dims = new int[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) {
                    throw DatasetException.of(file, "IDX dimension " + i + " is negative: " + dims[i]);
                }
                n *= dims[i];
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw DatasetException.of(file, "IDX holds " + n + " values, more than one array can");
            }
            byte[] values = new byte[(int) n];
            try {
                in.readFully(values);
            } catch (EOFException e) {
                throw DatasetException.of(file, "IDX file ends before its " + n + " values");
            }
            if (in.read() != -1) {
                throw DatasetException.of(file, "IDX file has bytes after its " + n + " values");
            }
            return new Idx(dims, values);
        } catch (EOFException e) {
            throw DatasetException.of(file, "IDX file ends inside its header");
        }
    }

    /**
     * Writes an IDX pair as class folders of 8-bit grey PNGs, {@code out/<classes[label]>/<index>.png}
     * with {@code index} the image's position in the file (zero-padded).
     *
     * @param classes the folder name of each label, in label order; distinct, non-blank, no separators
     * @param perClass when not null, only the first {@code perClass} images of each class
     * @return the number of images written per class, in label order
     * @throws DatasetException naming the file when the pair does not match or a label has no class
     */
    public static Map<String, Integer> toImageFolder(Path images, Path labels, List<String> classes,
                                                     Integer perClass, Path out) throws IOException {
        checkClasses(classes);
        if (perClass != null && perClass < 1) {
            throw new IllegalArgumentException("perClass must be at least 1, got " + perClass);
        }
        Idx im = read(images);
        Idx lb = read(labels);
        if (im.dims().length != 3) {
            throw DatasetException.of(images, "expected images of rank 3 (count, height, width), found rank "
                    + im.dims().length);
        }
        if (lb.dims().length != 1) {
            throw DatasetException.of(labels, "expected labels of rank 1, found rank " + lb.dims().length);
        }
        int count = im.dims()[0];
        int height = im.dims()[1];
        int width = im.dims()[2];
        if (lb.dims()[0] != count) {
            throw DatasetException.of(labels, "holds " + lb.dims()[0] + " labels for " + count + " images in "
                    + images.getFileName());
        }
        Map<String, Integer> written = new LinkedHashMap<>();
        for (String c : classes) {
            written.put(c, 0);
        }
        int digits = Integer.toString(Math.max(count - 1, 0)).length();
        byte[] pixels = new byte[height * width];
        for (int i = 0; i < count; i++) {
            int label = lb.values()[i] & 0xFF;
            if (label >= classes.size()) {
                throw DatasetException.of(labels, "label " + label + " of image " + i + " names no class; "
                        + classes.size() + " classes were given");
            }
            String name = classes.get(label);
            int done = written.get(name);
            if (perClass != null && done >= perClass) {
                continue;
            }
            System.arraycopy(im.values(), i * pixels.length, pixels, 0, pixels.length);
            String file = String.format("%0" + digits + "d.png", i);
            ImageFiles.writeGrey(pixels, height, width, out.resolve(name).resolve(file));
            written.put(name, done + 1);
        }
        return written;
    }

    private static void checkClasses(List<String> classes) {
        if (classes.size() < 2) {
            throw new IllegalArgumentException("classes: give at least 2 names, got " + classes.size());
        }
        Set<String> seen = new HashSet<>();
        for (String c : classes) {
            if (c.isBlank() || c.contains("/") || c.contains("\\") || c.equals(".") || c.equals("..")) {
                throw new IllegalArgumentException("classes: '" + c + "' cannot be a folder name");
            }
            if (!seen.add(c)) {
                throw new IllegalArgumentException("classes: '" + c + "' is given twice");
            }
        }
    }

    private static InputStream unzipped(InputStream raw) throws IOException {
        PushbackInputStream in = new PushbackInputStream(raw, 2);
        int b0 = in.read();
        int b1 = in.read();
        if (b1 != -1) {
            in.unread(b1);
        }
        if (b0 != -1) {
            in.unread(b0);
        }
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return gzip ? new GZIPInputStream(in, 1 << 16) : in;
    }
}
