package org.kdml.core.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every on-disk {@link Source} shares: its key, class names, the index its constructor fills,
 * the problems it skipped, and the fingerprint of the finished index.
 */
abstract class IndexedSource implements Source {

    private final String kind;
    private final List<String> classNames;
    /** The index; subclasses fill it in their constructor, then call {@link #indexed}. */
    protected final List<Item> items = new ArrayList<>();
    /** Bad-input problems: thrown, or kept when skipping. */
    protected final Problems problems;
    private String fingerprint;

    IndexedSource(String kind, List<String> classNames, boolean skipBad) {
        this.kind = kind;
        this.classNames = List.copyOf(classNames);
        this.problems = new Problems(skipBad);
    }

    /** The splits the data set came with, when they are used as given; empty when kdml splits. */
    private Map<String, List<Item>> given = Map.of();
    private String splitNote;

    /** Uses {@code splits} as the data set's official splits. */
    protected final void given(GivenSplits splits) {
        this.given = splits.splits();
        this.splitNote = splits.note();
    }

    @Override
    public Map<String, List<Item>> officialSplits() {
        return given;
    }

    @Override
    public String splitNote() {
        return splitNote;
    }

    /** Call when {@link #items} is complete: sorts nothing, fingerprints the index. */
    protected final void indexed(Path root) {
        this.fingerprint = Fingerprint.of(kind, root, items);
    }

    /** Reads an RGB image that must be {@code side × side}. */
    protected static Raster readSquare(Path file, int side) {
        Raster r = ImageFiles.read(file, 3);
        if (r.height() != side || r.width() != side) {
            throw DatasetException.of(file, "image is " + r.width() + "x" + r.height() + ", expected " + side + "x" + side);
        }
        return r;
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }

    @Override
    public final List<Item> items() {
        return items;
    }

    @Override
    public final List<String> skipped() {
        return problems.skipped();
    }

    @Override
    public final String fingerprint() {
        return fingerprint;
    }
}
