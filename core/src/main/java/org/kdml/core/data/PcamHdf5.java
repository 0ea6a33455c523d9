package org.kdml.core.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.api.dataset.ContiguousDataset;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.spec.Splitting;

/**
 * The original PCam HDF5 files, {@code camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5}:
 * {@code x} is uint8 N×96×96×3, {@code y} is N×1×1×1 labels; ids name the split and row
 * ({@code train:17}). The published splits are slide-disjoint: with {@link Splitting#OFFICIAL} all six
 * files are required and each split is kept as given ({@link #officialSplits}); with
 * {@link Splitting#POOLED} every split whose pair of files is present is pooled and kdml makes its
 * own split (patches of one slide may then land in training and test). Pixels are read lazily
 * with the pure-Java jHDF reader: contiguous datasets straight from the file at their data address,
 * chunked (gzip) ones a decompressed chunk at a time with a small cache.
 */
public final class PcamHdf5 extends IndexedSource implements AutoCloseable {

    /** The registry key. */
    public static final String KEY = "pcam-h5";
    /** The published splits, as the file names spell them. */
    private static final List<String> SPLITS = List.of("train", "valid", "test");

    /** Decompressed chunks kept, least recently used dropped first. */
    private static final int CHUNKS_CACHED = 8;

    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();
    private final Map<String, byte[]> chunks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CHUNKS_CACHED;
        }
    };
    private final Map<Path, HdfFile> open = new LinkedHashMap<>();
    /** Items by kdml split ({@code train}, {@code val}, {@code test}) with official splitting; else empty. */
    private final Map<String, List<Item>> official = new LinkedHashMap<>();

    /**
     * Indexes the files in {@code root}; reads the labels, not the pixels.
     *
     * @param root the folder holding the {@code .h5} files
     * @param splitting {@link Splitting#OFFICIAL}: all six files must be present and the splits are
     *     kept; {@link Splitting#POOLED}: the splits present are pooled
     * @param skipBad skip rows with unknown labels instead of failing
     * @throws DatasetException naming the first missing file (official), the missing half of a pair
     *     (pooled), or a file that is unreadable or of the wrong shape
     */
    public PcamHdf5(Path root, Splitting splitting, boolean skipBad) {
        super(KEY, List.of("normal", "tumour"), skipBad);
        if (splitting == Splitting.OFFICIAL) {
            for (String split : SPLITS) {
                for (Path file : List.of(file(root, split, "x"), file(root, split, "y"))) {
                    if (!Files.isRegularFile(file)) {
                        throw DatasetException.of(file, "file not found; dataset.split: official needs the train,"
                                + " valid and test files (dataset.split: pooled pools the splits present)");
                    }
                }
            }
        }
        boolean any = false;
        for (String split : SPLITS) {
            Path x = file(root, split, "x");
            Path y = file(root, split, "y");
            if (!Files.exists(x) && !Files.exists(y)) {
                continue;
            }
            if (!Files.isRegularFile(x) || !Files.isRegularFile(y)) {
                throw DatasetException.of(Files.exists(x) ? y : x, "file not found (its pair is present)");
            }
            any = true;
            Dataset xs = dataset(x, "x");
            Dataset ys = dataset(y, "y");
            int[] xd = xs.getDimensions();
            int[] yd = ys.getDimensions();
            if (xd.length != 4 || xd[1] != PcamFolder.SIDE || xd[2] != PcamFolder.SIDE || xd[3] != 3) {
                throw DatasetException.of(x, "dataset 'x' has shape " + Arrays.toString(xd)
                        + ", expected N x 96 x 96 x 3");
            }
            if (yd.length < 1 || yd[0] != xd[0]) {
                throw DatasetException.of(y, "dataset 'y' has " + (yd.length == 0 ? 0 : yd[0]) + " labels but "
                        + x.getFileName() + " has " + xd[0] + " images");
            }
            long[] labels = flattenLongs(ys.getDataFlat());
            List<Item> inSplit = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                String id = split + ":" + i;
                if (labels[i] != 0 && labels[i] != 1) {
                    problems.report(new DatasetException(y + " row " + i, "unknown class '" + labels[i] + "'; valid: 0, 1"));
                    continue;
                }
                inSplit.add(new Item(id, id, (int) labels[i], x, null, i));
            }
            items.addAll(inSplit);
            if (splitting == Splitting.OFFICIAL) {
                official.put(split.equals("valid") ? "val" : split, List.copyOf(inSplit));
            }
        }
        if (!any) {
            throw DatasetException.of(root, "no camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5 files");
        }
        indexed(root);
    }

    private static Path file(Path root, String split, String xy) {
        return root.resolve("camelyonpatch_level_2_split_" + split + "_" + xy + ".h5");
    }

    /** @return the published splits as kdml's {@code train}, {@code val}, {@code test} with official splitting; else empty */
    @Override
    public Map<String, List<Item>> officialSplits() {
        return Collections.unmodifiableMap(official);
    }

    private synchronized Dataset dataset(Path file, String name) {
        HdfFile f = open.computeIfAbsent(file, p -> {
            try {
                return new HdfFile(p);
            } catch (RuntimeException e) {
                throw DatasetException.of(p, "unreadable or corrupt HDF5 file (" + e.getMessage() + ")");
            }
        });
        try {
            Dataset d = f.getDatasetByPath(name);
            if (d == null) {
                throw DatasetException.of(file, "has no dataset '" + name + "'");
            }
            return d;
        } catch (DatasetException e) {
            throw e;
        } catch (RuntimeException e) {
            throw DatasetException.of(file, "has no readable dataset '" + name + "' (" + e.getMessage() + ")");
        }
    }

    @Override
    public Raster read(Item item) {
        int s = PcamFolder.SIDE;
        byte[] hwc;
        try {
            hwc = rowBytes(item.image(), item.row());
        } catch (DatasetException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DatasetException(item.image() + " row " + item.row(), "unreadable pixels (" + e.getMessage() + ")",
                    e);
        }
        float[] chw = new float[3 * s * s];
        for (int p = 0; p < s * s; p++) {
            for (int c = 0; c < 3; c++) {
                chw[c * s * s + p] = (hwc[p * 3 + c] & 0xFF) / 255f;
            }
        }
        return new Raster(3, s, s, chw);
    }

    /**
     * The 96·96·3 bytes of one image. Contiguous datasets are read directly at their data address;
     * chunked (compressed) ones chunk by chunk with a small cache of decompressed chunks; anything
     * else through jHDF's generic slicing.
     */
    private byte[] rowBytes(Path file, int row) throws IOException {
        int per = PcamFolder.SIDE * PcamFolder.SIDE * 3;
        Dataset x = dataset(file, "x");
        if (x.getDataType().getSize() != 1) {
            throw DatasetException.of(file, "dataset 'x' has " + x.getDataType().getSize()
                    + "-byte elements, expected uint8");
        }
        if (x instanceof ContiguousDataset c) {
            FileChannel ch = channel(file);
            ByteBuffer buf = ByteBuffer.allocate(per);
            long pos = c.getDataAddress() + (long) row * per;
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    throw DatasetException.of(file, "truncated: row " + row + " ends past the end of the file");
                }
            }
            return buf.array();
        }
        if (x instanceof ChunkedDataset c && c.getChunkDimensions()[1] == PcamFolder.SIDE
                && c.getChunkDimensions()[2] == PcamFolder.SIDE && c.getChunkDimensions()[3] == 3) {
            int rows = c.getChunkDimensions()[0];
            int start = row - row % rows;
            byte[] chunk;
            synchronized (chunks) {
                chunk = chunks.get(file + "#" + start);
            }
            if (chunk == null) {
                synchronized (this) {
                    chunk = c.getDecompressedChunk(new int[] {start, 0, 0, 0});
                }
                synchronized (chunks) {
                    chunks.put(file + "#" + start, chunk);
                }
            }
            byte[] out = new byte[per];
            System.arraycopy(chunk, (row - start) * per, out, 0, per);
            return out;
        }
        synchronized (this) {
            long[] v = flattenLongs(x.getData(new long[] {row, 0, 0, 0},
                    new int[] {1, PcamFolder.SIDE, PcamFolder.SIDE, 3}));
            byte[] out = new byte[per];
            for (int k = 0; k < per; k++) {
                out[k] = (byte) v[k];
            }
            return out;
        }
    }

    private synchronized FileChannel channel(Path file) throws IOException {
        FileChannel ch = channels.get(file);
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channels.put(file, ch);
        }
        return ch;
    }

    /** Flattens a (nested) Java array of byte/short/int/long; bytes are read as unsigned. */
    static long[] flattenLongs(Object array) {
        List<Object> leaves = new ArrayList<>();
        collect(array, leaves);
        int n = 0;
        for (Object leaf : leaves) {
            n += Array.getLength(leaf);
        }
        long[] out = new long[n];
        int k = 0;
        for (Object leaf : leaves) {
            if (leaf instanceof byte[] b) {
                for (byte v : b) {
                    out[k++] = v & 0xFF;
                }
            } else {
                for (int i = 0; i < Array.getLength(leaf); i++) {
                    out[k++] = ((Number) Array.get(leaf, i)).longValue();
                }
            }
        }
        return out;
    }

    private static void collect(Object array, List<Object> leaves) {
        if (array.getClass().getComponentType().isArray()) {
            for (int i = 0; i < Array.getLength(array); i++) {
                collect(Array.get(array, i), leaves);
            }
        } else {
            leaves.add(array);
        }
    }


    @Override
    public synchronized void close() throws IOException {
        open.values().forEach(HdfFile::close);
        open.clear();
        for (FileChannel ch : channels.values()) {
            ch.close();
        }
        channels.clear();
    }
}
