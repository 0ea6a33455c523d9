package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Histopathologic Cancer Detection (the Kaggle PCam subset): {@code train/<id>.tif} (96×96 RGB) and
 * {@code train_labels.csv} with columns {@code id,label} (0 = no tumour tissue in the centre, 1 =
 * tumour). Every label row needs its image and every image its row.
 */
public final class PcamFolder extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "pcam";
    /** Side of a PCam tile. */
    public static final int SIDE = 96;


    /**
     * Indexes {@code root}.
     *
     * @param root the folder holding {@code train/} and {@code train_labels.csv}
     * @param classes number of classes (2 for PCam; generated data may use more)
     * @param skipBad skip bad rows and files with a warning instead of failing
     */
    public PcamFolder(Path root, int classes, boolean skipBad) {
        super(KEY, classNames(classes), skipBad);
        Path csv = root.resolve("train_labels.csv");
        Path dir = root.resolve("train");
        if (!Files.isDirectory(dir)) {
            throw DatasetException.of(dir, "folder not found (expected train/<id>.tif beside train_labels.csv)");
        }
        TreeSet<String> files = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tif")).forEach(files::add);
        } catch (IOException e) {
            throw DatasetException.of(dir, "cannot list (" + e.getMessage() + ")");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (Map<String, String> row : Csv.read(csv, List.of("id", "label"))) {
            String where = csv + " line " + row.get("#line");
            String id = row.get("id");
            int label;
            try {
                label = Integer.parseInt(row.get("label"));
            } catch (NumberFormatException e) {
                label = -1;
            }
            if (label < 0 || label >= classes) {
                problems.report(new DatasetException(where, "unknown class '" + row.get("label") + "' for id " + id
                        + "; valid: 0.." + (classes - 1)));
                continue;
            }
            if (seen.putIfAbsent(id, label) != null) {
                problems.report(new DatasetException(where, "duplicate id " + id));
                continue;
            }
            Path image = dir.resolve(id + ".tif");
            if (!files.contains(id + ".tif")) {
                problems.report(DatasetException.of(image, "missing image for the label row at line " + row.get("#line")));
                continue;
            }
            items.add(new Item(id, id, label, image, null, -1));
        }
        for (String f : files) {
            String id = f.substring(0, f.length() - 4);
            if (!seen.containsKey(id)) {
                problems.report(DatasetException.of(dir.resolve(f), "image has no row in " + csv.getFileName()));
            }
        }
        indexed(root);
    }

    private static List<String> classNames(int classes) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add(classes == 2 ? (c == 0 ? "normal" : "tumour") : "class-" + c);
        }
        return names;
    }





    @Override
    public Raster read(Item item) {
        return readSquare(item.image(), SIDE);
    }

}
