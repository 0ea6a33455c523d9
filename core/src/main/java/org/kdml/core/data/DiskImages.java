package org.kdml.core.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Source} read from disk, resized to the configured size. When opened, every selected
 * item is decoded once on a thread pool (so that a missing, corrupt, truncated or wrong-sized file
 * fails before training, naming the file); the resized images are kept in memory as bytes when they
 * fit the cache budget, and are otherwise decoded again on demand (streaming, with the trainer's
 * prefetch). A source's official splits ({@link Source#officialSplits}) carry over to
 * {@link #officialSplit}, in indices of the items kept.
 */
public final class DiskImages implements LabeledImages, AutoCloseable {

    /** How long the verification pass may take per image before it is declared stuck. */
    private static final long VERIFY_TIMEOUT_SECONDS_PER_IMAGE = 60;

    private final Source source;
    private final int size;
    private final List<Item> items;
    private final byte[][] cache;
    private final byte[][] maskCache;
    private final boolean withMasks;
    private final List<String> skipped = new ArrayList<>();
    private final String fingerprint;
    private final double verifySeconds;
    /** Indices of the kept items by official split, or null when kdml splits the data itself. */
    private final Split officialSplit;

    /**
     * Opens a data set.
     *
     * @param source the indexed data set
     * @param size side to resize images to
     * @param samples size of a class-balanced random subset (fixed seed, so every run shares it),
     *     or null for all items; a source with official splits is subsampled within each split, in
     *     proportion to the splits' sizes
     * @param skipBad drop items that fail to decode, with a warning, instead of failing
     * @param threads decoding threads
     * @param cacheBudgetBytes keep decoded images in memory up to this many bytes
     */
    public DiskImages(Source source, int size, Integer samples, boolean skipBad, int threads, long cacheBudgetBytes) {
        this(source, size, samples, skipBad, threads, cacheBudgetBytes, false);
    }

    /**
     * Opens a data set, with its masks when {@code withMasks} (segmentation).
     *
     * @throws DatasetException when masks are wanted and the source has none
     */
    public DiskImages(Source source, int size, Integer samples, boolean skipBad, int threads, long cacheBudgetBytes,
            boolean withMasks) {
        if (withMasks && !source.hasMasks()) {
            throw new DatasetException(source.kind(), "segmentation needs masks and this data set has none");
        }
        this.withMasks = withMasks;
        this.source = source;
        this.size = size;
        this.skipped.addAll(source.skipped());
        Map<String, List<Item>> official = source.officialSplits();
        List<String> selectedSplits = new ArrayList<>();
        List<Item> selected = official.isEmpty()
                ? samples == null ? source.items() : balancedSubset(source, source.items(), samples, new Random(0), "")
                : selectWithinSplits(source, official, samples, selectedSplits);
        boolean fits = (long) selected.size() * (withMasks ? 4 : 3) * size * size <= cacheBudgetBytes;
        long t0 = System.nanoTime();
        Decoded d = decodeAll(source, selected, size, withMasks, fits, threads);
        this.verifySeconds = (System.nanoTime() - t0) / 1e9;
        List<Item> kept = new ArrayList<>();
        List<byte[]> keptCache = new ArrayList<>();
        List<byte[]> keptMasks = new ArrayList<>();
        Map<String, List<Integer>> keptSplits = new LinkedHashMap<>();
        official.keySet().forEach(name -> keptSplits.put(name, new ArrayList<>()));
        for (int i = 0; i < selected.size(); i++) {
            if (d.errors()[i] != null) {
                if (!skipBad) {
                    throw d.errors()[i];
                }
                skipped.add(d.errors()[i].getMessage());
            } else {
                if (!official.isEmpty()) {
                    keptSplits.get(selectedSplits.get(i)).add(kept.size());
                }
                kept.add(selected.get(i));
                keptCache.add(d.images()[i]);
                keptMasks.add(d.masks()[i]);
            }
        }
        this.items = List.copyOf(kept);
        this.cache = fits ? keptCache.toArray(new byte[0][]) : null;
        this.maskCache = fits && withMasks ? keptMasks.toArray(new byte[0][]) : null;
        this.officialSplit = official.isEmpty() ? null : officialSplit(source, keptSplits, samples);
        this.fingerprint = sha256(source.fingerprint() + "|samples=" + samples + "|size=" + size + "|kept="
                + items.size() + (official.isEmpty() ? "" : "|split=official"));
    }

    /**
     * What the verification pass produced for each selected item: its bytes (when kept in memory)
     * or the error that it failed with.
     */
    private record Decoded(byte[][] images, byte[][] masks, DatasetException[] errors) {
    }

    /**
     * Decodes and resizes every selected item once on {@code threads} threads, keeping the bytes
     * when {@code fits}; a pass that makes no progress for a long time fails.
     */
    private static Decoded decodeAll(Source source, List<Item> selected, int size, boolean withMasks, boolean fits,
            int threads) {
        byte[][] decoded = new byte[selected.size()][];
        byte[][] decodedMasks = new byte[selected.size()][];
        DatasetException[] errors = new DatasetException[selected.size()];
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kdml-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            int chunk = Math.max(1, selected.size() / (threads * 8));
            for (int start = 0; start < selected.size(); start += chunk) {
                int from = start;
                int to = Math.min(selected.size(), start + chunk);
                futures.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        try {
                            float[] img = source.read(selected.get(i)).resize(size, false).data();
                            float[] mask = withMasks ? source.readMask(selected.get(i)).resize(size, true).data() : null;
                            if (fits) {
                                decoded[i] = toBytes(img);
                                decodedMasks[i] = mask == null ? null : toBytes(mask);
                            }
                        } catch (DatasetException e) {
                            errors[i] = e;
                        }
                    }
                }));
            }
            long timeout = VERIFY_TIMEOUT_SECONDS_PER_IMAGE * Math.max(1, chunk);
            for (Future<?> f : futures) {
                f.get(timeout, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding " + source.kind(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("decoding " + source.kind() + " made no progress for a long time", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("decoding " + source.kind() + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Decoded(decoded, decodedMasks, errors);
    }

    /**
     * Every item of each official split, or a class-balanced subset of each in proportion to the
     * splits' sizes; {@code splitOfEach} receives the split name of every item returned.
     */
    private static List<Item> selectWithinSplits(Source source, Map<String, List<Item>> official, Integer samples,
            List<String> splitOfEach) {
        int[] quotas = samples == null ? null : quotas(official.values().stream().mapToInt(List::size).toArray(), samples);
        Random r = new Random(0);
        List<Item> selected = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, List<Item>> e : official.entrySet()) {
            List<Item> part = quotas == null ? e.getValue()
                    : balancedSubset(source, e.getValue(), quotas[k], r, " of the official " + e.getKey() + " split");
            selected.addAll(part);
            part.forEach(it -> splitOfEach.add(e.getKey()));
            k++;
        }
        return selected;
    }

    /** The kept items' indices by official split, each of which must be non-empty. */
    private static Split officialSplit(Source source, Map<String, List<Integer>> splits, Integer samples) {
        for (Map.Entry<String, List<Integer>> e : splits.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new DatasetException(source.kind(), "the official " + e.getKey() + " split is empty"
                        + (samples == null ? "" : " in a subset of " + samples + " (dataset.samples); use more samples"));
            }
        }
        return new Split(splits.get("train"), splits.get("val"), splits.get("test"));
    }

    /**
     * Shares {@code samples} among parts of the given sizes in proportion to their sizes (largest
     * remainders get the rest; ties go to the earlier part), so that the quotas add up to
     * {@code samples} when there are that many items.
     */
    static int[] quotas(int[] sizes, int samples) {
        long total = 0;
        for (int n : sizes) {
            total += n;
        }
        int[] quotas = new int[sizes.length];
        double[] remainders = new double[sizes.length];
        int left = samples;
        for (int k = 0; k < sizes.length; k++) {
            double exact = total == 0 ? 0 : (double) samples * sizes[k] / total;
            quotas[k] = (int) Math.floor(exact);
            remainders[k] = exact - quotas[k];
            left -= quotas[k];
        }
        while (left > 0 && total > 0) {
            int best = 0;
            for (int k = 1; k < sizes.length; k++) {
                if (remainders[k] > remainders[best]) {
                    best = k;
                }
            }
            quotas[best]++;
            remainders[best] = -1;
            left--;
        }
        return quotas;
    }

    /**
     * A class-balanced random subset of {@code samples / classes} items per class of {@code from},
     * sorted by id; {@code what} says where they come from, for the error message.
     */
    private static List<Item> balancedSubset(Source source, List<Item> from, int samples, Random r, String what) {
        int classes = source.classNames().size();
        int per = samples / classes;
        List<List<Item>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (Item it : from) {
            byClass.get(it.label()).add(it);
        }
        List<Item> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Item> members = byClass.get(c);
            if (members.size() < per) {
                throw new DatasetException(source.kind(), "a balanced subset of " + samples + what + " needs " + per
                        + " images of class '" + source.classNames().get(c) + "', there are " + members.size());
            }
            Collections.shuffle(members, r);
            out.addAll(members.subList(0, per));
        }
        out.sort(Comparator.comparing(Item::id));
        return out;
    }

    @Override
    public Optional<Split> officialSplit() {
        return Optional.ofNullable(officialSplit);
    }

    @Override
    public String splitNote() {
        return officialSplit == null ? null : source.splitNote();
    }

    private static float[] toFloats(byte[] b) {
        float[] f = new float[b.length];
        for (int k = 0; k < b.length; k++) {
            f[k] = (b[k] & 0xFF) / 255f;
        }
        return f;
    }

    private static byte[] toBytes(float[] img) {
        byte[] b = new byte[img.length];
        for (int i = 0; i < img.length; i++) {
            b[i] = (byte) Math.max(0, Math.min(255, Math.round(img[i] * 255f)));
        }
        return b;
    }

    /** @return problems skipped because the user asked {@code skipBad} */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** @return whether decoded images are held in memory */
    public boolean cached() {
        return cache != null;
    }

    /** @return wall time of the opening decode pass, in seconds */
    public double verifySeconds() {
        return verifySeconds;
    }

    /** @return the underlying source */
    public Source source() {
        return source;
    }

    /** @return item {@code i} */
    public Item item(int i) {
        return items.get(i);
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public int classes() {
        return source.classNames().size();
    }

    @Override
    public List<String> classNames() {
        return source.classNames();
    }

    @Override
    public int imageSize() {
        return size;
    }

    @Override
    public float[] image(int i) {
        if (cache != null) {
            return toFloats(cache[i]);
        }
        return source.read(items.get(i)).resize(size, false).data();
    }

    @Override
    public boolean hasMasks() {
        return withMasks;
    }

    @Override
    public float[] mask(int i) {
        if (!withMasks) {
            throw new UnsupportedOperationException(source.kind() + " was opened without masks");
        }
        if (maskCache != null) {
            return toFloats(maskCache[i]);
        }
        return source.readMask(items.get(i)).resize(size, true).data();
    }

    @Override
    public int label(int i) {
        return items.get(i).label();
    }

    @Override
    public String id(int i) {
        return items.get(i).id();
    }

    @Override
    public String group(int i) {
        return items.get(i).group();
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public void close() throws Exception {
        if (source instanceof AutoCloseable c) {
            c.close();
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
