package org.kdml.core.data;

import java.nio.file.Path;

/**
 * One entry of a data set's index, before any pixel is read.
 *
 * @param id stable id (file stem, or {@code split:index} inside an HDF5 file)
 * @param group what must stay in one split: the patient (LGG), the lesion (HAM10000), else the id
 * @param label class index
 * @param image the image file (for HDF5: the file holding the pixels)
 * @param mask the mask file, or null
 * @param row the row inside {@code image} for HDF5 sources, else -1
 */
public record Item(String id, String group, int label, Path image, Path mask, int row) {
}
