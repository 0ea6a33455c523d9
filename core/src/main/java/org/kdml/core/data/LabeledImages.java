package org.kdml.core.data;

/**
 * A classification data set held as square RGB images in channel-first layout with values in
 * [0, 1]. Implementations decide where the pixels come from (generated, or read from disk).
 */
public interface LabeledImages {

    /** @return the number of images */
    int size();

    /** @return the number of classes; labels are {@code 0..classes-1} */
    int classes();

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

    /** @return a content hash of the ids, labels and generator or files: the data's identity */
    String fingerprint();
}
