package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * LGG MRI Segmentation: {@code kaggle_3m/<patient>/<patient>_<n>.tif} (256×256, 3 channels) with
 * {@code <patient>_<n>_mask.tif} (0/255). Items are grouped by patient so no patient spans two
 * splits. For classification the label is whether the mask holds any tumour (1) or none (0), so
 * masks are read while indexing.
 */
public final class LggFolder extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "lgg";
    /** Side of an LGG slice. */
    public static final int SIDE = 256;


    /**
     * Indexes {@code root} ({@code root/kaggle_3m/…} or {@code root} being {@code kaggle_3m}).
     *
     * @param skipBad skip bad items with a warning instead of failing
     */
    public LggFolder(Path root, boolean skipBad) {
        super(KEY, List.of("no-tumour", "tumour"), skipBad);
        Path base = Files.isDirectory(root.resolve("kaggle_3m")) ? root.resolve("kaggle_3m") : root;
        List<Path> patients = new ArrayList<>();
        try (Stream<Path> s = Files.list(base)) {
            s.filter(Files::isDirectory).sorted().forEach(patients::add);
        } catch (IOException e) {
            throw DatasetException.of(base, "cannot list (" + e.getMessage() + ")");
        }
        if (patients.isEmpty()) {
            throw DatasetException.of(base, "no patient folders (expected kaggle_3m/<patient>/<patient>_<n>.tif)");
        }
        for (Path dir : patients) {
            String patient = dir.getFileName().toString();
            TreeSet<String> names = new TreeSet<>();
            try (Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tif")).forEach(names::add);
            } catch (IOException e) {
                throw DatasetException.of(dir, "cannot list (" + e.getMessage() + ")");
            }
            for (String n : names) {
                if (n.endsWith("_mask.tif")) {
                    String image = n.substring(0, n.length() - "_mask.tif".length()) + ".tif";
                    if (!names.contains(image)) {
                        problems.report(DatasetException.of(dir.resolve(n), "mask has no image " + image));
                    }
                    continue;
                }
                String id = n.substring(0, n.length() - 4);
                Path image = dir.resolve(n);
                Path mask = dir.resolve(id + "_mask.tif");
                if (!names.contains(id + "_mask.tif")) {
                    problems.report(DatasetException.of(image, "mask missing: expected " + mask.getFileName()));
                    continue;
                }
                try {
                    Raster m = Masks.read(mask, SIDE, SIDE);
                    items.add(new Item(id, patient, Masks.anyForeground(m) ? 1 : 0, image, mask, -1));
                } catch (DatasetException e) {
                    problems.report(e);
                }
            }
        }
        items.sort(Comparator.comparing(Item::id));
        indexed(root);
    }





    @Override
    public Raster read(Item item) {
        return readSquare(item.image(), SIDE);
    }

    @Override
    public Raster readMask(Item item) {
        return Masks.read(item.mask(), SIDE, SIDE);
    }

    @Override
    public boolean hasMasks() {
        return true;
    }

}
