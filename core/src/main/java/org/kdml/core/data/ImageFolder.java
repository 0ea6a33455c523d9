package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * torchvision's ImageFolder layout, {@code root/<class>/<image>}: the class names are the sorted
 * names of the class folders (torchvision's rule), any number of them from two. When
 * {@code root/train/} and {@code root/test/} exist (and optionally {@code root/val/} or
 * {@code root/valid/}), each holds class folders and those splits are used as given; without a
 * validation folder, validation is carved from {@code train/} ({@link GivenSplits}). Images:
 * {@link ImageFiles#EXTENSIONS}; files with other extensions are left out, hidden files too.
 */
public final class ImageFolder extends IndexedSource {

    /** The registry key. */
    public static final String KEY = "imagefolder";

    /** The folder names of given splits, by kdml's split name. */
    static final Map<String, List<String>> SPLIT_FOLDERS = splitFolders();

    /**
     * Indexes {@code root}.
     *
     * @param asGiven use the given split folders (see {@link #hasSplits}); false pools their images
     * @param valFraction share of the training folder carved into validation when none is given
     * @param skipBad skip bad items with a warning instead of failing
     * @throws DatasetException naming the folder when a class folder is empty, a split lacks class
     *     folders or has one the training split does not, or there are fewer than two classes
     */
    public ImageFolder(Path root, boolean asGiven, double valFraction, boolean skipBad) {
        this(root, layout(root), asGiven, valFraction, skipBad);
    }

    private ImageFolder(Path root, Layout layout, boolean asGiven, double valFraction, boolean skipBad) {
        super(KEY, layout.classes(), skipBad);
        Map<String, List<Item>> bySplit = new LinkedHashMap<>();
        layout.splitDirs().forEach((split, dir) -> {
            List<Item> part = new ArrayList<>();
            for (int c = 0; c < layout.classes().size(); c++) {
                Path classDir = dir.resolve(layout.classes().get(c));
                if (!Files.isDirectory(classDir)) {
                    continue; // a val or test split may lack a class
                }
                List<Path> files = images(classDir);
                if (files.isEmpty()) {
                    problems.report(DatasetException.of(classDir, "empty class folder (no "
                            + String.join(", ", ImageFiles.EXTENSIONS) + " files)"));
                }
                for (Path f : files) {
                    String id = root.relativize(f).toString().replace('\\', '/');
                    id = id.substring(0, id.lastIndexOf('.'));
                    part.add(new Item(id, id, c, f, null, -1));
                }
            }
            part.sort(Comparator.comparing(Item::id));
            bySplit.put(split, part);
            items.addAll(part);
        });
        items.sort(Comparator.comparing(Item::id));
        if (layout.splitDirs().size() > 1 && asGiven) {
            given(GivenSplits.of(bySplit, valFraction, root.toString()));
        }
        indexed(root);
    }

    /** @return whether {@code root} holds given splits: {@code train/} and {@code test/} folders */
    public static boolean hasSplits(Path root) {
        return Files.isDirectory(root.resolve("train")) && Files.isDirectory(root.resolve("test"));
    }

    /** The class names and the folder of each split (one, {@code all}, when none is given). */
    private record Layout(List<String> classes, Map<String, Path> splitDirs) {
    }

    private static Layout layout(Path root) {
        if (!Files.isDirectory(root)) {
            throw DatasetException.of(root, "folder not found (expected <class>/<image> or train/<class>/<image>)");
        }
        Map<String, Path> dirs = new LinkedHashMap<>();
        if (!hasSplits(root)) {
            dirs.put("all", root);
            List<String> classes = folders(root);
            if (classes.size() < 2) {
                throw DatasetException.of(root, "found " + classes.size() + " class folder(s) " + classes
                        + "; expected two or more: <class>/<image> (torchvision's ImageFolder layout)");
            }
            return new Layout(classes, dirs);
        }
        for (Map.Entry<String, List<String>> e : SPLIT_FOLDERS.entrySet()) {
            for (String name : e.getValue()) {
                if (Files.isDirectory(root.resolve(name)) && !dirs.containsKey(e.getKey())) {
                    dirs.put(e.getKey(), root.resolve(name));
                }
            }
        }
        List<String> classes = folders(dirs.get("train"));
        if (classes.size() < 2) {
            throw DatasetException.of(dirs.get("train"), "found " + classes.size() + " class folder(s) " + classes
                    + "; expected two or more: train/<class>/<image>");
        }
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            for (String c : folders(e.getValue())) {
                if (!classes.contains(c)) {
                    throw DatasetException.of(e.getValue().resolve(c), "class folder '" + c + "' is not in "
                            + dirs.get("train").getFileName() + "/; classes there: " + classes);
                }
            }
        }
        return new Layout(classes, dirs);
    }

    /** Sorted names of the visible sub-folders. */
    private static List<String> folders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw DatasetException.of(dir, "cannot list (" + e.getMessage() + ")");
        }
    }

    /** Sorted image files of a class folder (not recursive). */
    private static List<Path> images(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
        } catch (IOException e) {
            throw DatasetException.of(dir, "cannot list (" + e.getMessage() + ")");
        }
    }

    private static Map<String, List<String>> splitFolders() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("train", List.of("train"));
        m.put("val", List.of("val", "valid", "validation"));
        m.put("test", List.of("test"));
        return m;
    }

    @Override
    public Raster read(Item item) {
        return ImageFiles.read(item.image(), 3);
    }
}
