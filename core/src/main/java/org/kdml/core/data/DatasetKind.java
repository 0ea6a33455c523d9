package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.kdml.spec.Splitting;

/**
 * The registry of data set kinds, listed once: each kind's key ({@code dataset.kind}), what its
 * layout is, whether it has masks, whether it brings its own splits, how to open it and how
 * {@code kdml make-data} writes a generated sample of it. {@link Datasets}, {@code kdml make-data}
 * and {@code kdml bench-data} read this list; tests iterate it.
 */
public enum DatasetKind {
    /** Generated histology-like patches, written once in the PCam layout. */
    SYNTHETIC_PATCHES(SyntheticPatches.KEY, "generated histology-like patches (written once in the PCam layout)",
            false, Splits.NONE, null, null),
    /** Generated MRI-like slices with masks, written once in the LGG layout. */
    SYNTHETIC_SCANS("synthetic-scans", "generated MRI-like slices with masks (written once in the LGG layout)", true,
            Splits.NONE, null, null),
    /** PatchCamelyon as TIFF files with {@code train_labels.csv}. */
    PCAM(PcamFolder.KEY, "PatchCamelyon: train/<id>.tif and train_labels.csv", false, Splits.NONE,
            (root, splitting, val, skipBad) -> new PcamFolder(root, 2, skipBad),
            (dir, samples) -> SyntheticPatches.writePcam(dir, samples, 2)),
    /** PatchCamelyon's published HDF5 files with their train/valid/test splits. */
    PCAM_H5(PcamHdf5.KEY, "PatchCamelyon's HDF5 files, with the published train/valid/test splits", false,
            Splits.OFFICIAL, (root, splitting, val, skipBad) -> new PcamHdf5(root, splitting, skipBad),
            (dir, samples) -> SyntheticWriters.writePcamH5Splits(dir, samples)),
    /** The LGG segmentation data set (TCGA): one folder per patient, slices beside their masks. */
    LGG(LggFolder.KEY, "LGG MRI segmentation: a folder per patient, <slice>.tif beside <slice>_mask.tif", true,
            Splits.NONE, (root, splitting, val, skipBad) -> new LggFolder(root, skipBad),
            (dir, samples) -> SyntheticScans.writeLgg(dir, Math.max(3, samples / 20), Math.min(20, samples), 1)),
    /** HAM10000: the metadata CSV, the images and the segmentation masks. */
    HAM10000(Ham10000Folder.KEY, "HAM10000: HAM10000_metadata.csv, the images and their lesion masks", true,
            Splits.NONE, (root, splitting, val, skipBad) -> new Ham10000Folder(root, skipBad),
            (dir, samples) -> SyntheticWriters.writeHam(dir, Math.max(7, samples / 2), 600, 450)),
    /** torchvision's ImageFolder layout, optionally with train/, val/ and test/ folders. */
    IMAGEFOLDER(ImageFolder.KEY, "root/<class>/<image> (torchvision's ImageFolder), or train/ [val/] test/ of those",
            false, Splits.GIVEN, (root, splitting, val, skipBad) -> new ImageFolder(root,
                    splitting == Splitting.OFFICIAL, val, skipBad),
            (dir, samples) -> SyntheticLayouts.writeImageFolder(dir, samples, true)),
    /** A CSV of path and label, with optional group and split columns. */
    CSV(CsvImages.KEY, "a CSV file (the root) with path,label[,group][,split]", false, Splits.GIVEN,
            (root, splitting, val, skipBad) -> new CsvImages(root, splitting == Splitting.OFFICIAL, val, skipBad),
            (dir, samples) -> SyntheticLayouts.writeCsv(dir, samples)),
    /** Images beside masks of the same stem. */
    MASKFOLDER(MaskFolder.KEY, "root/images/<stem>.<ext> beside root/masks/<stem>.<ext>", true, Splits.NONE,
            (root, splitting, val, skipBad) -> new MaskFolder(root, skipBad),
            (dir, samples) -> SyntheticLayouts.writeMaskFolder(dir, samples));

    /** Whether a kind brings its own splits. */
    public enum Splits {
        /** None: kdml splits it (pooled). */
        NONE,
        /** Published with its own train/valid/test splits, always there. */
        OFFICIAL,
        /** The user's layout may bring them (folders, a split column); used as given when it does. */
        GIVEN
    }

    /** Opens a kind's layout at a root. */
    @FunctionalInterface
    public interface Opener {
        /**
         * @param root the folder (a CSV file for {@code csv})
         * @param splitting how the spec splits it
         * @param valFraction the validation share carved from a given train split without one
         * @param skipBad whether unreadable images are skipped and reported rather than refused
         */
        Source open(Path root, Splitting splitting, double valFraction, boolean skipBad);
    }

    /** Writes a generated sample of a kind's layout. */
    @FunctionalInterface
    public interface SampleWriter {
        /** Writes about {@code samples} images in the layout into {@code dir}. */
        void write(Path dir, int samples) throws IOException;
    }

    private final String key;
    private final String layout;
    private final boolean masks;
    private final Splits splits;
    private final Opener opener;
    private final SampleWriter writer;

    DatasetKind(String key, String layout, boolean masks, Splits splits, Opener opener, SampleWriter writer) {
        this.key = key;
        this.layout = layout;
        this.masks = masks;
        this.splits = splits;
        this.opener = opener;
        this.writer = writer;
    }

    /** @return the key of {@code dataset.kind}, e.g. {@code imagefolder} */
    public String key() {
        return key;
    }

    /** @return the layout on disk, for help texts */
    public String layout() {
        return layout;
    }

    /** @return whether it has masks (usable for segmentation) */
    public boolean hasMasks() {
        return masks;
    }

    /** @return whether it brings its own splits */
    public Splits splits() {
        return splits;
    }

    /** @return whether kdml generates it (no published layout to read; {@code root} optional) */
    public boolean generated() {
        return opener == null;
    }

    /** @return whether its root is a file rather than a folder ({@code csv}) */
    public boolean rootIsFile() {
        return this == CSV;
    }

    /**
     * Opens the layout at {@code root}.
     *
     * @throws IllegalStateException for a generated kind, which {@link Datasets} writes first
     */
    public Source open(Path root, Splitting splitting, double valFraction, boolean skipBad) {
        if (opener == null) {
            throw new IllegalStateException(key + " is generated, not read from a layout; Datasets.open writes it");
        }
        return opener.open(root, splitting, valFraction, skipBad);
    }

    /** Writes a generated sample of its layout ({@code kdml make-data}). */
    public void writeSample(Path dir, int samples) throws IOException {
        if (writer == null) {
            throw new IllegalStateException(key + " has no published layout to write a sample of");
        }
        writer.write(dir, samples);
    }

    /** @return the kinds read from a published layout (what make-data writes and bench-data reads) */
    public static List<DatasetKind> layouts() {
        return Arrays.stream(values()).filter(k -> !k.generated()).toList();
    }

    /** @return the kind of {@code key}, or null when there is none */
    public static DatasetKind byKey(String key) {
        return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst().orElse(null);
    }

    /** @return the keys of {@code kinds}, in order */
    public static List<String> keys(List<DatasetKind> kinds) {
        return kinds.stream().map(DatasetKind::key).toList();
    }

    /** @return the keys of {@code kinds} with their layouts, for a help text: {@code key (layout), …} */
    public static String describe(List<DatasetKind> kinds) {
        return String.join("; ", kinds.stream().map(k -> k.key + " (" + k.layout + ")").toList());
    }
}
