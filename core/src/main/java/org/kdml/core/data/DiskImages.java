package org.kdml.core.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
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
 * prefetch).
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

    /**
     * Opens a data set.
     *
     * @param source the indexed data set
     * @param size side to resize images to
     * @param samples size of a class-balanced random subset (fixed seed, so every run shares it),
     *     or null for all items
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
        List<Item> selected = samples == null ? source.items() : balancedSubset(source, samples);
        boolean fits = (long) selected.size() * (withMasks ? 4 : 3) * size * size <= cacheBudgetBytes;
        long t0 = System.nanoTime();
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
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("decoding " + source.kind() + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        this.verifySeconds = (System.nanoTime() - t0) / 1e9;
        List<Item> kept = new ArrayList<>();
        List<byte[]> keptCache = new ArrayList<>();
        List<byte[]> keptMasks = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            if (errors[i] != null) {
                if (!skipBad) {
                    throw errors[i];
                }
                skipped.add(errors[i].getMessage());
            } else {
                kept.add(selected.get(i));
                keptCache.add(decoded[i]);
                keptMasks.add(decodedMasks[i]);
            }
        }
        this.items = List.copyOf(kept);
        this.cache = fits ? keptCache.toArray(new byte[0][]) : null;
        this.maskCache = fits && withMasks ? keptMasks.toArray(new byte[0][]) : null;
        this.fingerprint = sha256(source.fingerprint() + "|samples=" + samples + "|size=" + size + "|kept="
                + items.size());
    }

    private static List<Item> balancedSubset(Source source, int samples) {
        int classes = source.classNames().size();
        int per = samples / classes;
        List<List<Item>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (Item it : source.items()) {
            byClass.get(it.label()).add(it);
        }
        Random r = new Random(0);
        List<Item> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Item> members = byClass.get(c);
            if (members.size() < per) {
                throw new DatasetException(source.kind(), "a balanced subset of " + samples + " needs " + per
                        + " images of class '" + source.classNames().get(c) + "', there are " + members.size());
            }
            Collections.shuffle(members, r);
            out.addAll(members.subList(0, per));
        }
        out.sort(java.util.Comparator.comparing(Item::id));
        return out;
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
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
