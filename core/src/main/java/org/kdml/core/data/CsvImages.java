package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Images listed in a CSV file ({@code dataset.root} is the file): columns {@code path} (relative to
 * the CSV's folder, or absolute) and {@code label}, optionally {@code group} (a patient or slide id:
 * a split keeps a group on one side) and {@code split} ({@code train}, {@code val} or {@code valid},
 * {@code test}: used as given; without {@code val} rows validation is carved from the training
 * rows, {@link GivenSplits}). Quoted fields may hold commas (RFC 4180, {@link Csv}).
 *
 * <p>Classes: the lines of {@code classes.txt} beside the CSV, in label order, when that file exists
 * (a label must then be one of them); else the sorted distinct labels.
 */
public final class CsvImages extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "csv";

    /** The optional class list beside the CSV. */
    public static final String CLASSES_FILE = "classes.txt";

    /** Names a {@code split} cell may take, by kdml's split name. */
    static final Map<String, String> SPLIT_NAMES = Map.of("train", "train", "val", "val", "valid", "val",
            "validation", "val", "test", "test");

    /**
     * Indexes the images {@code csv} lists.
     *
     * @param asGiven use the {@code split} column when there is one; false pools every row
     * @param valFraction share of the training rows' groups carved into validation when no row is {@code val}
     * @param skipBad skip bad rows (a missing image) with a warning instead of failing
     * @throws DatasetException naming the file and line of a bad row
     */
    public CsvImages(Path csv, boolean asGiven, double valFraction, boolean skipBad) {
        this(csv, Csv.read(csv, List.of("path", "label")), asGiven, valFraction, skipBad);
    }

    private CsvImages(Path csv, List<Map<String, String>> rows, boolean asGiven, double valFraction, boolean skipBad) {
        super(KEY, classes(csv, rows), skipBad);
        List<String> classes = classNames();
        Path base = csv.toAbsolutePath().getParent();
        boolean hasSplit = !rows.isEmpty() && rows.get(0).containsKey("split");
        Map<String, List<Item>> bySplit = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Map<String, String> row : rows) {
            String where = csv + " line " + row.get("#line");
            String path = row.get("path");
            if (path.isEmpty()) {
                throw new DatasetException(where, "empty path");
            }
            int label = classes.indexOf(row.get("label"));
            if (label < 0) {
                throw new DatasetException(where, "label '" + row.get("label") + "' names no class; classes: "
                        + classes + (Files.exists(base.resolve(CLASSES_FILE)) ? " (" + CLASSES_FILE + ")" : ""));
            }
            Path image = base.resolve(path).normalize();
            String id = path.replace('\\', '/');
            if (!seen.add(id)) {
                throw new DatasetException(where, "image '" + path + "' is listed twice");
            }
            String split = null;
            if (hasSplit) {
                split = SPLIT_NAMES.get(row.get("split").toLowerCase(Locale.ROOT));
                if (split == null) {
                    throw new DatasetException(where, "split '" + row.get("split") + "' is not one of train, val,"
                            + " valid, test");
                }
            }
            if (!Files.isRegularFile(image)) {
                problems.report(new DatasetException(where, "image not found: " + image));
                continue;
            }
            String group = row.getOrDefault("group", "");
            Item it = new Item(id, group.isEmpty() ? id : group, label, image, null, -1);
            items.add(it);
            bySplit.computeIfAbsent(hasSplit ? split : "all", k -> new ArrayList<>()).add(it);
        }
        if (items.isEmpty()) {
            throw DatasetException.of(csv, "lists no image");
        }
        items.sort(Comparator.comparing(Item::id));
        if (hasSplit && asGiven) {
            given(GivenSplits.of(bySplit, valFraction, csv.toString()));
        }
        indexed(base);
    }

    /** @return whether {@code csv} has a {@code split} column (its splits are then used as given by default) */
    public static boolean hasSplits(Path csv) {
        return Files.isRegularFile(csv) && Csv.header(csv).contains("split");
    }

    private static List<String> classes(Path csv, List<Map<String, String>> rows) {
        Path file = csv.toAbsolutePath().getParent().resolve(CLASSES_FILE);
        List<String> classes;
        if (Files.isRegularFile(file)) {
            try {
                classes = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            } catch (IOException e) {
                throw DatasetException.of(file, "unreadable (" + e.getMessage() + ")");
            }
            if (new HashSet<>(classes).size() != classes.size()) {
                throw DatasetException.of(file, "names a class twice: " + classes);
            }
        } else {
            TreeSet<String> labels = new TreeSet<>();
            rows.forEach(r -> labels.add(r.get("label")));
            classes = List.copyOf(labels);
        }
        if (classes.size() < 2) {
            throw DatasetException.of(csv, "has " + classes.size() + " class(es) " + classes + "; two or more needed");
        }
        return classes;
    }

    @Override
    public Raster read(Item item) {
        return ImageFiles.read(item.image(), 3);
    }
}
