package org.kdml.core.cka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files holding float32 or float64 arrays in C order: an
 * activation matrix with examples on the first axis, every further axis flattened.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([fi])(\\d)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /**
     * A matrix read from a file.
     *
     * @param rows examples
     * @param cols features (product of the remaining axes)
     * @param data row-major values
     */
    public record Matrix(int rows, int cols, double[] data) {
        /** Validates the size. */
        public Matrix {
            if ((long) rows * cols != data.length) {
                throw new IllegalArgumentException(rows + "x" + cols + " matrix cannot hold " + data.length + " values");
            }
        }

        /** @return row {@code i} */
        public double[] row(int i) {
            double[] r = new double[cols];
            System.arraycopy(data, i * cols, r, 0, cols);
            return r;
        }
    }

    private Npy() {
    }

    /**
     * Reads {@code file}.
     *
     * @throws IllegalArgumentException naming the file: not a .npy file, unsupported dtype or order,
     *     truncated data, or a NaN/Inf value
     */
    public static Matrix read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new IllegalArgumentException(file + ": not a NumPy .npy file (bad magic)");
        }
        int major = all[6];
        int headerLen;
        int offset;
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            offset = 10;
        } else {
            headerLen = bb.getInt(8);
            offset = 12;
        }
        if (offset + headerLen > all.length) {
            throw new IllegalArgumentException(file + ": truncated header");
        }
        String header = new String(all, offset, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new IllegalArgumentException(file + ": unreadable header " + header.trim());
        }
        if (!d.group(2).equals("f") || !(d.group(3).equals("4") || d.group(3).equals("8"))) {
            throw new IllegalArgumentException(file + ": dtype " + d.group(1) + d.group(2) + d.group(3)
                    + " is not float32 or float64");
        }
        if (o.group(1).equals("True")) {
            throw new IllegalArgumentException(file + ": Fortran-ordered arrays are not supported; save with C order");
        }
        String[] dims = s.group(1).split(",");
        long rows = -1;
        long cols = 1;
        for (String dim : dims) {
            if (dim.isBlank()) {
                continue;
            }
            long v = Long.parseLong(dim.trim());
            if (rows < 0) {
                rows = v;
            } else {
                cols *= v;
            }
        }
        if (rows < 0) {
            throw new IllegalArgumentException(file + ": a scalar, expected examples on the first axis");
        }
        int width = d.group(3).equals("4") ? 4 : 8;
        long n = rows * cols;
        int start = offset + headerLen;
        if (start + n * width > all.length) {
            throw new IllegalArgumentException(file + ": truncated: shape " + rows + "x" + cols + " needs "
                    + (n * width) + " bytes of data, the file has " + (all.length - start));
        }
        bb.order(d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        double[] data = new double[(int) n];
        for (int i = 0; i < n; i++) {
            double v = width == 4 ? bb.getFloat(start + i * 4) : bb.getDouble(start + i * 8);
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(file + ": value " + v + " at row " + (i / cols) + ", column "
                        + (i % cols));
            }
            data[i] = v;
        }
        return new Matrix((int) rows, (int) cols, data);
    }

    /** Writes a float64 C-order {@code rows × cols} array. */
    public static void write(Path file, int rows, int cols, double[] data) throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        bb.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (double v : data) {
            bb.putDouble(v);
        }
        Files.write(file, bb.array());
    }
}
