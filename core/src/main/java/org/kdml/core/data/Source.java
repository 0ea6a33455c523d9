package org.kdml.core.data;

import java.util.List;
import java.util.Map;

/**
 * A data set in its published layout: its index (read without decoding pixels where the layout
 * allows) and how to decode one item.
 */
public interface Source {

    /** @return the data set's key, e.g. {@code pcam} */
    String kind();

    /** @return class names, index = label */
    List<String> classNames();

    /** @return every item, in a stable order */
    List<Item> items();

    /**
     * The splits the data set was published with, when they are to be used as given.
     *
     * @return the items of each split by kdml's split name ({@code train}, {@code val}, {@code test},
     *     in that order; together exactly {@link #items}), or an empty map when kdml splits the data
     *     itself (the default)
     */
    default Map<String, List<Item>> officialSplits() {
        return Map.of();
    }

    /**
     * @return how the official splits were made when not all were given as published (a validation
     *     split carved from the training one), else null
     */
    default String splitNote() {
        return null;
    }

    /** @return problems found while indexing that {@code skipBad} allowed to skip (item dropped) */
    List<String> skipped();

    /**
     * Decodes an item's image.
     *
     * @throws DatasetException naming the file when it is unreadable, corrupt or of the wrong size
     */
    Raster read(Item item);

    /**
     * Decodes an item's mask (one channel, 0 or 1) for sources with masks.
     *
     * @throws DatasetException naming the file when it is missing, unreadable, not binary or does not
     *     match its image
     */
    default Raster readMask(Item item) {
        throw new UnsupportedOperationException(kind() + " has no masks");
    }

    /** @return whether items carry masks */
    default boolean hasMasks() {
        return false;
    }

    /** @return a content hash of the file list and labels */
    String fingerprint();
}
