package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Normalization;

/** Turns index lists of a data set into normalised mini-batches. */
final class Batches {

    private final LabeledImages data;
    private final Normalization norm;

    Batches(LabeledImages data, Normalization norm) {
        this.data = data;
        this.norm = norm;
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
            out.add(b);
        }
        return out;
    }

    /** @return the images of {@code batch} as an (N, 3, S, S) array in {@code manager} */
    NDArray images(List<Integer> batch, NDManager manager) {
        int s = data.imageSize();
        int per = 3 * s * s;
        float[] buf = new float[batch.size() * per];
        for (int k = 0; k < batch.size(); k++) {
            norm.apply(data.image(batch.get(k)), buf, k * per);
        }
        return manager.create(FloatBuffer.wrap(buf), new Shape(batch.size(), 3, s, s));
    }

    /** @return the labels of {@code batch} as an (N) int64 array */
    NDArray labels(List<Integer> batch, NDManager manager) {
        long[] l = new long[batch.size()];
        for (int k = 0; k < l.length; k++) {
            l[k] = data.label(batch.get(k));
        }
        return manager.create(l);
    }
}
