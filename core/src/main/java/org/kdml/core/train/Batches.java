package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.kdml.core.tensor.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.kdml.core.data.Augmenter;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;

/**
 * Turns index lists of a data set into normalised (and, for training, augmented) mini-batches.
 * {@link #prepare} is pure Java and thread-safe, so batches can be prepared ahead on a pool.
 */
final class Batches {

    private final LabeledImages data;
    private final Normalization norm;
    private final Augmenter augmenter;
    private final AtomicLong prepareNanos = new AtomicLong();

    Batches(LabeledImages data, Normalization norm) {
        this(data, norm, null);
    }

    Batches(LabeledImages data, Normalization norm, Augmenter augmenter) {
        this.data = data;
        this.norm = norm;
        this.augmenter = augmenter;
    }

    /**
     * Cuts {@code indices} into batches, shuffled by {@code random} when it is not null. A trailing
     * batch of one image is dropped when shuffling (batch norm cannot train on one value).
     */
    static List<List<Integer>> plan(List<Integer> indices, int batchSize, Random random) {
        List<Integer> order = new ArrayList<>(indices);
        if (random != null) {
            Collections.shuffle(order, random);
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < order.size(); i += batchSize) {
            List<Integer> b = order.subList(i, Math.min(order.size(), i + batchSize));
            if (random != null && b.size() < 2) {
                continue;
            }
            out.add(List.copyOf(b));
        }
        return out;
    }

    /**
     * Decodes, augments (when {@code augmentSeed} is not null and augmentation is on; image and
     * mask with one draw) and normalises {@code batch}.
     *
     * @return {@code [images (N·3·S·S), masks (N·S·S) or null]}
     */
    float[][] prepare(List<Integer> batch, Long augmentSeed) {
        long t0 = System.nanoTime();
        int s = data.imageSize();
        int per = 3 * s * s;
        boolean masks = data.hasMasks();
        float[] buf = new float[batch.size() * per];
        float[] maskBuf = masks ? new float[batch.size() * s * s] : null;
        Random random = augmentSeed == null ? null : new Random(augmentSeed);
        for (int k = 0; k < batch.size(); k++) {
            float[] img = data.image(batch.get(k));
            float[] mask = masks ? data.mask(batch.get(k)) : null;
            if (random != null && augmenter != null && augmenter.active()) {
                float[][] aug = augmenter.apply(img, mask, s, random);
                img = aug[0];
                mask = aug[1];
            }
            norm.apply(img, buf, k * per);
            if (masks) {
                System.arraycopy(mask, 0, maskBuf, k * s * s, s * s);
            }
        }
        prepareNanos.addAndGet(System.nanoTime() - t0);
        return new float[][] {buf, maskBuf};
    }

    /** @return prepared masks of {@code n} images as an (N, 1, S, S) array */
    NDArray maskArray(float[] buf, int n, NDManager manager) {
        int s = data.imageSize();
        return Tensors.floats(manager, buf, new Shape(n, 1, s, s));
    }

    /** @return the prepared buffer of {@code n} images as an (N, 3, S, S) array in {@code manager} */
    NDArray toArray(float[] buf, int n, NDManager manager) {
        int s = data.imageSize();
        return Tensors.floats(manager, buf, new Shape(n, 3, s, s));
    }

    /** @return the images of {@code batch}, unaugmented, as an (N, 3, S, S) array in {@code manager} */
    NDArray images(List<Integer> batch, NDManager manager) {
        return toArray(prepare(batch, null)[0], batch.size(), manager);
    }

    /** @return the labels of {@code batch} as an (N) int64 array */
    NDArray labels(List<Integer> batch, NDManager manager) {
        long[] l = new long[batch.size()];
        for (int k = 0; k < l.length; k++) {
            l[k] = data.label(batch.get(k));
        }
        return Tensors.longs(manager, l);
    }

    /** @return total time spent preparing batches, over all threads, in seconds */
    double prepareSeconds() {
        return prepareNanos.get() / 1e9;
    }
}
