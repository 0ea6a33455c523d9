package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Images beside their masks, for segmentation: {@code root/images/<stem>.<ext>} and
 * {@code root/masks/<stem>.<ext>} (any of {@link ImageFiles#EXTENSIONS}, matched by stem); a mask's
 * nonzero pixels are foreground. An optional {@code root/groups.csv} with columns {@code image} (the
 * stem) and {@code group} (a patient id) keeps each group on one side of a split; images it does not
 * list are their own group. For classification the label is whether the mask holds any foreground,
 * so masks are read while indexing (and stratify the split).
 */
public final class MaskFolder extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "maskfolder";

    /** The optional group file. */
    public static final String GROUPS_FILE = "groups.csv";

    /**
     * Indexes {@code root}.
     *
     * @param skipBad skip an image without its mask (and a mask without its image) with a warning
     * @throws DatasetException naming the folder or file
     */
    public MaskFolder(Path root, boolean skipBad) {
        super(KEY, List.of("background-only", "foreground"), skipBad);
        Path imagesDir = root.resolve("images");
        Path masksDir = root.resolve("masks");
        for (Path d : List.of(imagesDir, masksDir)) {
            if (!Files.isDirectory(d)) {
                throw DatasetException.of(d, "folder not found (expected images/<stem>.<ext> beside masks/<stem>.<ext>)");
            }
        }
        Map<String, Path> images = byStem(imagesDir);
        Map<String, Path> masks = byStem(masksDir);
        if (images.isEmpty()) {
            throw DatasetException.of(imagesDir, "no images (" + String.join(", ", ImageFiles.EXTENSIONS) + ")");
        }
        Map<String, String> groups = groups(root.resolve(GROUPS_FILE));
        for (Map.Entry<String, Path> m : masks.entrySet()) {
            if (!images.containsKey(m.getKey())) {
                problems.report(DatasetException.of(m.getValue(), "mask has no image images/" + m.getKey() + ".*"));
            }
        }
        for (Map.Entry<String, Path> e : images.entrySet()) {
            String stem = e.getKey();
            Path mask = masks.get(stem);
            if (mask == null) {
                problems.report(DatasetException.of(e.getValue(), "mask missing: expected masks/" + stem + ".*"));
                continue;
            }
            try {
                Raster m = Masks.readNonzero(mask);
                items.add(new Item(stem, groups.getOrDefault(stem, stem), Masks.anyForeground(m) ? 1 : 0, e.getValue(),
                        mask, -1));
            } catch (DatasetException ex) {
                problems.report(ex);
            }
        }
        items.sort(Comparator.comparing(Item::id));
        indexed(root);
    }

    /** Image files of {@code dir} by stem; two files of one stem are refused. */
    private static Map<String, Path> byStem(Path dir) {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList()) {
                String n = f.getFileName().toString();
                Path before = out.put(n.substring(0, n.lastIndexOf('.')), f);
                if (before != null) {
                    throw DatasetException.of(f, "has the same stem as " + before.getFileName());
                }
            }
        } catch (IOException e) {
            throw DatasetException.of(dir, "cannot list (" + e.getMessage() + ")");
        }
        return out;
    }

    private static Map<String, String> groups(Path file) {
        Map<String, String> out = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            for (Map<String, String> row : Csv.read(file, List.of("image", "group"))) {
                out.put(row.get("image"), row.get("group"));
            }
        }
        return out;
    }

    @Override
    public Raster read(Item item) {
        return ImageFiles.read(item.image(), 3);
    }

    @Override
    public Raster readMask(Item item) {
        Raster m = Masks.readNonzero(item.mask());
        int[] image = ImageFiles.dimensions(item.image());
        if (m.width() != image[0] || m.height() != image[1]) {
            throw DatasetException.of(item.mask(), "mask is " + m.width() + "x" + m.height() + " but its image is "
                    + image[0] + "x" + image[1]);
        }
        return m;
    }

    @Override
    public boolean hasMasks() {
        return true;
    }
}
