package org.kdml.core.data;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A classification data set as the trainer sees it: square RGB images of one size, channel-first,
 * values in [0, 1], with labels and groups. Implementations decide where the pixels come from
 * (generated in memory, or decoded from files in a published layout). {@link #image} must be
 * safe to call from several threads.
 */
public interface LabeledImages {

    /** @return the number of images */
    int size();

    /** @return the number of classes; labels are {@code 0..classes-1} */
    int classes();

    /** @return class names, index = label */
    default List<String> classNames() {
        return IntStream.range(0, classes()).mapToObj(c -> "class-" + c).toList();
    }

    /** @return the side of every image, in pixels */
    int imageSize();

    /**
     * @param i the index
     * @return image {@code i} as a (3, size, size) channel-first array in [0, 1]; the caller may
     *     not modify it
     */
    float[] image(int i);

    /** @return the label of image {@code i} */
    int label(int i);

    /** @return a stable id of image {@code i} (file name stem, or generated index) */
    String id(int i);

    /** @return what must stay within one split (patient, lesion); the id where nothing groups images */
    default String group(int i) {
        return id(i);
    }

    /**
     * @return the split this data set was published with, as indices into it, when it is used as
     *     given (never re-split); empty when kdml makes its own split ({@link Split#of})
     */
    default Optional<Split> officialSplit() {
        return Optional.empty();
    }

    /**
     * @return how the official split was made when not all of it was given (e.g. validation carved
     *     from the training split), else null
     */
    default String splitNote() {
        return null;
    }

    /** @return whether {@link #mask} is available (segmentation data) */
    default boolean hasMasks() {
        return false;
    }

    /**
     * @param i the index
     * @return the binary mask of image {@code i}, (1, size, size), values 0 or 1
     */
    default float[] mask(int i) {
        throw new UnsupportedOperationException("this data set has no masks");
    }

    /** @return a content hash of the ids, labels and generator or files: the data's identity */
    String fingerprint();
}
