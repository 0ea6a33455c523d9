package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * HAM10000: {@code HAM10000_metadata.csv} ({@code lesion_id,image_id,dx,…}), images
 * {@code <image_id>.jpg} in {@code HAM10000_images_part_1/} and {@code HAM10000_images_part_2/}
 * (any sub-folder of the root is searched), and, when a folder of
 * {@code <image_id>_segmentation.png} masks is present, masks that must exist for every image and
 * match its size. Seven classes by {@code dx}; items grouped by {@code lesion_id}.
 */
public final class Ham10000Folder extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "ham10000";
    /** The seven diagnoses, in label order. */
    public static final List<String> CLASSES = List.of("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc");

    private final boolean masks;

    /**
     * Indexes {@code root}.
     *
     * @param skipBad skip bad rows and files with a warning instead of failing
     */
    public Ham10000Folder(Path root, boolean skipBad) {
        super(KEY, CLASSES, skipBad);
        Map<String, Path> images = new HashMap<>();
        Map<String, Path> maskFiles = new HashMap<>();
        try (Stream<Path> s = Files.walk(root, 2)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                String n = p.getFileName().toString();
                if (n.endsWith("_segmentation.png")) {
                    maskFiles.put(n.substring(0, n.length() - "_segmentation.png".length()), p);
                } else if (n.endsWith(".jpg")) {
                    images.put(n.substring(0, n.length() - 4), p);
                }
            });
        } catch (IOException e) {
            throw DatasetException.of(root, "cannot list (" + e.getMessage() + ")");
        }
        this.masks = !maskFiles.isEmpty();
        Path csv = root.resolve("HAM10000_metadata.csv");
        Set<String> rows = new HashSet<>();
        for (Map<String, String> row : Csv.read(csv, List.of("lesion_id", "image_id", "dx"))) {
            String where = csv + " line " + row.get("#line");
            String id = row.get("image_id");
            int label = CLASSES.indexOf(row.get("dx"));
            if (label < 0) {
                problems.report(new DatasetException(where, "unknown class '" + row.get("dx") + "' for image " + id
                        + "; valid: " + String.join(", ", CLASSES)));
                continue;
            }
            if (!rows.add(id)) {
                problems.report(new DatasetException(where, "duplicate image_id " + id));
                continue;
            }
            Path image = images.get(id);
            if (image == null) {
                problems.report(new DatasetException(where, "missing image " + id + ".jpg for this row"));
                continue;
            }
            Path mask = maskFiles.get(id);
            if (masks && mask == null) {
                problems.report(DatasetException.of(image, "mask missing: expected " + id + "_segmentation.png"));
                continue;
            }
            items.add(new Item(id, row.get("lesion_id"), label, image, mask, -1));
        }
        for (String id : new TreeSet<>(images.keySet())) {
            if (!rows.contains(id)) {
                problems.report(DatasetException.of(images.get(id), "image has no row in " + csv.getFileName()));
            }
        }
        items.sort(Comparator.comparing(Item::id));
        indexed(root);
    }





    @Override
    public Raster read(Item item) {
        Raster r = ImageFiles.read(item.image(), 3);
        if (masks) {
            // Checked while decoding (verification pass): the mask must match its image.
            Masks.read(item.mask(), r.width(), r.height());
        }
        return r;
    }

    @Override
    public Raster readMask(Item item) {
        Raster r = ImageFiles.read(item.image(), 3);
        return Masks.read(item.mask(), r.width(), r.height());
    }

    @Override
    public boolean hasMasks() {
        return masks;
    }

}
