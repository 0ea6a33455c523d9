package org.kdml.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;

/** The registry of data sets by key; every one is read from disk in its published layout. */
public final class Datasets {

    /** Keys of the data sets this version can open. */
    public static final List<String> KEYS = List.of(SyntheticPatches.KEY, PcamFolder.KEY, PcamHdf5.KEY, LggFolder.KEY,
            Ham10000Folder.KEY);

    /** Decoded images are kept in memory up to this many bytes (override: {@code -Dkdml.cache.bytes}). */
    public static final long CACHE_BYTES = Long.getLong("kdml.cache.bytes", 2L << 30);

    private Datasets() {
    }

    /**
     * Checks the key and the root folder without reading the data.
     *
     * @throws SpecException naming {@code dataset.kind} or {@code dataset.root}
     */
    public static void check(DatasetSpec spec) {
        if (!KEYS.contains(spec.kind())) {
            throw new SpecException("dataset.kind", "unknown dataset '" + spec.kind() + "'; valid: "
                    + String.join(", ", KEYS));
        }
        if (!spec.kind().equals(SyntheticPatches.KEY)) {
            if (spec.root() == null || spec.root().isBlank()) {
                throw new SpecException("dataset.root", "is required for " + spec.kind()
                        + " (the folder holding the data set in its published layout)");
            }
            if (!Files.isDirectory(Path.of(spec.root()))) {
                throw new SpecException("dataset.root", "folder not found: " + spec.root());
            }
        }
        if (spec.classes() != null && !spec.kind().equals(SyntheticPatches.KEY)) {
            throw new SpecException("dataset.classes", spec.kind() + " fixes its own classes; leave classes out");
        }
    }

    /**
     * Opens the data set a spec names: indexes it, selects the subset, and decodes every image
     * once (failing on bad input, naming the file, unless {@code skipBad}).
     */
    public static DiskImages open(DatasetSpec spec) {
        check(spec);
        int threads = spec.loaderThreads() != null ? spec.loaderThreads()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        Source source = switch (spec.kind()) {
            case PcamFolder.KEY -> new PcamFolder(Path.of(spec.root()), 2, spec.skipBad());
            case PcamHdf5.KEY -> new PcamHdf5(Path.of(spec.root()), spec.skipBad());
            case LggFolder.KEY -> new LggFolder(Path.of(spec.root()), spec.skipBad());
            case Ham10000Folder.KEY -> new Ham10000Folder(Path.of(spec.root()), spec.skipBad());
            default -> synthetic(spec);
        };
        Integer subset = spec.kind().equals(SyntheticPatches.KEY) ? null : spec.samples();
        return new DiskImages(source, spec.imageSize(), subset, spec.skipBad(), threads, CACHE_BYTES);
    }

    /** Generated PCam-layout data, written once into {@code root} (or a shared temporary folder). */
    private static Source synthetic(DatasetSpec spec) {
        int samples = spec.samples() == null ? 600 : spec.samples();
        int classes = spec.classes() == null ? 2 : spec.classes();
        Path dir = spec.root() != null ? Path.of(spec.root())
                : Path.of(System.getProperty("kdml.synthetic.dir", System.getProperty("java.io.tmpdir") + "/kdml-synthetic"))
                        .resolve("pcam-g1-" + samples + "-" + classes); // g1: generator version
        if (!Files.isRegularFile(dir.resolve("train_labels.csv"))) {
            try {
                Path tmp = Files.createTempDirectory(dir.toAbsolutePath().getParent() == null ? Path.of(".")
                        : Files.createDirectories(dir.toAbsolutePath().getParent()), "writing-");
                SyntheticPatches.writePcam(tmp, samples, classes);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isRegularFile(dir.resolve("train_labels.csv"))) {
                    throw new UncheckedIOException("cannot write generated data to " + dir, e);
                }
            }
        }
        return new PcamFolder(dir, classes, spec.skipBad());
    }
}
