package org.kdml.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Splitting;
import org.kdml.spec.Task;

/** The registry of data sets by key; every one is read from disk in its published layout. */
public final class Datasets {

    /** Keys of the data sets this version can open ({@link DatasetKind}, in its order). */
    public static final List<String> KEYS = DatasetKind.keys(List.of(DatasetKind.values()));

    /** Data sets with masks, usable for segmentation. */
    public static final List<String> WITH_MASKS = DatasetKind.keys(Arrays.stream(DatasetKind.values())
            .filter(DatasetKind::hasMasks).toList());

    /** Data sets published with their own train/valid/test splits, which {@code dataset.split: official} uses. */
    public static final List<String> WITH_OFFICIAL_SPLITS = DatasetKind.keys(Arrays.stream(DatasetKind.values())
            .filter(k -> k.splits() == DatasetKind.Splits.OFFICIAL).toList());

    /**
     * The user's own layouts that may bring their splits ({@code train/ val/ test/} folders, a CSV's
     * {@code split} column): official by default when they do ({@link #splitting}).
     */
    public static final List<String> WITH_GIVEN_SPLITS = DatasetKind.keys(Arrays.stream(DatasetKind.values())
            .filter(k -> k.splits() == DatasetKind.Splits.GIVEN).toList());

    /** Decoded images are kept in memory up to this many bytes (override: {@code -Dkdml.cache.bytes}). */
    public static final long CACHE_BYTES = Long.getLong("kdml.cache.bytes", 2L << 30);

    private Datasets() {
    }

    /**
     * Checks the key, the root folder and the splitting without reading the data.
     *
     * @throws SpecException naming {@code dataset.kind}, {@code dataset.root} or {@code dataset.split}
     */
    public static void check(DatasetSpec spec) {
        check(spec, Task.CLASSIFICATION);
    }

    /** Environment variable (or system property {@code kdml.data.root}) naming the folder data sets must lie in. */
    public static final String DATA_ROOT_ENV = "KDML_DATA_ROOT";

    /**
     * The folder {@code root} names. When a data root is configured ({@value #DATA_ROOT_ENV}),
     * {@code root} must be relative to it, without {@code ..}, and must not leave it through a
     * symbolic link; otherwise it is used as given.
     *
     * @throws SpecException naming {@code dataset.root} when it would escape the data root
     */
    public static Path resolveRoot(String root) {
        String base = System.getProperty("kdml.data.root", System.getenv(DATA_ROOT_ENV));
        if (base == null || base.isBlank()) {
            return Path.of(root);
        }
        Path p = Path.of(root);
        if (p.isAbsolute()) {
            throw new SpecException("dataset.root", "'" + root + "' is absolute; give a path relative to the data root"
                    + " (" + DATA_ROOT_ENV + ")");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new SpecException("dataset.root", "'" + root + "' contains '..'; it must stay inside the data"
                        + " root (" + DATA_ROOT_ENV + ")");
            }
        }
        Path baseDir = Path.of(base).toAbsolutePath().normalize();
        Path resolved = baseDir.resolve(p).normalize();
        try {
            if (Files.exists(resolved) && !resolved.toRealPath().startsWith(baseDir.toRealPath())) {
                throw new SpecException("dataset.root", "'" + root + "' leads outside the data root ("
                        + DATA_ROOT_ENV + ") through a symbolic link");
            }
        } catch (IOException e) {
            throw new SpecException("dataset.root", "'" + root + "' cannot be resolved: " + e.getMessage());
        }
        return resolved;
    }

    /**
     * Checks the key, the root folder and that a segmentation task has a data set with masks.
     *
     * @throws SpecException naming the field
     */
    public static void check(DatasetSpec spec, Task task) {
        if (!KEYS.contains(spec.kind())) {
            throw new SpecException("dataset.kind", "unknown dataset '" + spec.kind() + "'; valid: "
                    + String.join(", ", KEYS));
        }
        if (task == Task.SEGMENTATION && !WITH_MASKS.contains(spec.kind())) {
            throw new SpecException("dataset.kind", "segmentation needs masks; " + spec.kind() + " has none; valid: "
                    + String.join(", ", WITH_MASKS));
        }
        DatasetKind kind = DatasetKind.byKey(spec.kind());
        if (!kind.generated()) {
            if (spec.root() == null || spec.root().isBlank()) {
                throw new SpecException("dataset.root", "is required for " + spec.kind()
                        + " (the folder holding the data set in its published layout)");
            }
            if (kind.rootIsFile()) {
                if (!Files.isRegularFile(resolveRoot(spec.root()))) {
                    throw new SpecException("dataset.root", "CSV file not found: " + spec.root()
                            + " (kind csv: root is the CSV file, with columns path,label[,group][,split])");
                }
            } else if (!Files.isDirectory(resolveRoot(spec.root()))) {
                throw new SpecException("dataset.root", "folder not found: " + spec.root());
            }
        }
        if (spec.classes() != null && !spec.kind().equals(SyntheticPatches.KEY)) {
            throw new SpecException("dataset.classes", spec.kind() + " fixes its own classes; leave classes out");
        }
        if (splitting(spec) == Splitting.OFFICIAL && !WITH_OFFICIAL_SPLITS.contains(spec.kind())
                && !givenSplits(spec)) {
            throw new SpecException("dataset.split", "'official' needs a data set published with its own splits ("
                    + String.join(", ", WITH_OFFICIAL_SPLITS) + ", or " + String.join(" and ", WITH_GIVEN_SPLITS)
                    + " with train/ and test/ folders or a split column); " + spec.kind() + " has none here: use"
                    + " pooled or leave split out");
        }
    }

    /**
     * How the spec's data set is split: {@code dataset.split} when given; else official for a data
     * set published with its own splits ({@link #WITH_OFFICIAL_SPLITS}), pooled for the others.
     *
     * @throws SpecException naming {@code dataset.split} when its value is unknown
     */
    public static Splitting splitting(DatasetSpec spec) {
        if (spec.split() != null) {
            return Splitting.of("dataset.split", spec.split());
        }
        return WITH_OFFICIAL_SPLITS.contains(spec.kind()) || givenSplits(spec) ? Splitting.OFFICIAL
                : Splitting.POOLED;
    }

    /** @return whether the user's layout at the spec's root brings its own splits */
    private static boolean givenSplits(DatasetSpec spec) {
        if (!WITH_GIVEN_SPLITS.contains(spec.kind()) || spec.root() == null || spec.root().isBlank()) {
            return false;
        }
        Path root = resolveRoot(spec.root());
        return spec.kind().equals(ImageFolder.KEY) ? ImageFolder.hasSplits(root) : CsvImages.hasSplits(root);
    }

    /**
     * Opens the data set a spec names: indexes it, selects the subset, and decodes every image
     * once (failing on bad input, naming the file, unless {@code skipBad}). With official splitting
     * ({@link #splitting}) the opened set carries its published split and is subsampled within it.
     */
    public static DiskImages open(DatasetSpec spec) {
        return open(spec, Task.CLASSIFICATION);
    }

    /** Opens the data set for {@code task}; segmentation reads and checks every mask too. */
    public static DiskImages open(DatasetSpec spec, Task task) {
        check(spec, task);
        int threads = spec.loaderThreads() != null ? spec.loaderThreads()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        DatasetKind kind = DatasetKind.byKey(spec.kind());
        Source source = kind == DatasetKind.SYNTHETIC_SCANS ? syntheticScans(spec)
                : kind == DatasetKind.SYNTHETIC_PATCHES ? synthetic(spec)
                : kind.open(resolveRoot(spec.root()), splitting(spec), spec.valFraction(), spec.skipBad());
        Integer subset = kind.generated() ? null : spec.samples();
        return new DiskImages(source, spec.imageSize(), subset, spec.skipBad(), threads, CACHE_BYTES,
                task == Task.SEGMENTATION);
    }

    /** Generated LGG-layout slices (10 per patient), written once into {@code root} or a temporary folder. */
    private static Source syntheticScans(DatasetSpec spec) {
        int samples = spec.samples() == null ? 200 : spec.samples();
        int patients = Math.max(3, samples / 10);
        Path dir = generated(spec, "lgg-g1-" + patients + "x10", d -> SyntheticScans.writeLgg(d, patients, 10, 1));
        return new LggFolder(dir, spec.skipBad());
    }

    /** Writes generated data with {@code writer} into a fresh folder, moved into place when complete. */
    private static Path generated(DatasetSpec spec, String name, Writer writer) {
        Path dir = spec.root() != null ? resolveRoot(spec.root())
                : Path.of(System.getProperty("kdml.synthetic.dir", System.getProperty("java.io.tmpdir") + "/kdml-synthetic"))
                        .resolve(name);
        if (!Files.exists(dir)) {
            try {
                Path parent = Files.createDirectories(dir.toAbsolutePath().getParent());
                Path tmp = Files.createTempDirectory(parent, "writing-");
                writer.write(tmp);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.exists(dir)) {
                    throw new UncheckedIOException("cannot write generated data to " + dir, e);
                }
            }
        }
        return dir;
    }

    /** Writes generated data into a folder. */
    @FunctionalInterface
    private interface Writer {
        void write(Path dir) throws IOException;
    }

    /** Generated PCam-layout data, written once into {@code root} (or a shared temporary folder). */
    private static Source synthetic(DatasetSpec spec) {
        int samples = spec.samples() == null ? 600 : spec.samples();
        int classes = spec.classes() == null ? 2 : spec.classes();
        // g1: generator version, so a changed generator never reuses old files.
        Path dir = generated(spec, "pcam-g1-" + samples + "-" + classes, d -> SyntheticPatches.writePcam(d, samples, classes));
        return new PcamFolder(dir, classes, spec.skipBad());
    }
}
