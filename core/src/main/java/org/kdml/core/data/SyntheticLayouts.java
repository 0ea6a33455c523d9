package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generated data in the layouts users bring their own images in, for {@code kdml make-data} and the
 * tests: the patches of {@link SyntheticPatches} (two classes) and the slices of
 * {@link SyntheticScans}, written as files that the {@code imagefolder}, {@code csv} and
 * {@code maskfolder} kinds read.
 */
public final class SyntheticLayouts {

    /** The generated classes' folder names and labels (the first has a space, as users' often do). */
    public static final List<String> CLASSES = List.of("normal tissue", "tumour");

    /** Side of the generated patches. */
    public static final int SIDE = 64;

    private SyntheticLayouts() {
    }

    /**
     * torchvision's ImageFolder layout: {@code root/train/<class>/<id>.png} and
     * {@code root/test/<class>/<id>.png} (a fifth of the images) when {@code withSplits}, else
     * {@code root/<class>/<id>.png}.
     */
    public static void writeImageFolder(Path root, int samples, boolean withSplits) throws IOException {
        for (int i = 0; i < samples; i++) {
            int label = i % 2;
            Path dir = withSplits ? root.resolve(i % 5 == 4 ? "test" : "train") : root;
            Path file = Files.createDirectories(dir.resolve(CLASSES.get(label))).resolve(String.format("img%05d.png", i));
            ImageFiles.writeRgb(new Raster(3, SIDE, SIDE, SyntheticPatches.patch(i, label, SIDE, 2)), file, "png");
        }
    }

    /**
     * A CSV of images: {@code root/labels.csv} with {@code path,label,group,split}; the images in
     * {@code root/images/} (names with a comma, so the CSV quotes them); four images a slide
     * ({@code group}), slides dealt to train, val and test 7:1:2.
     */
    public static void writeCsv(Path root, int samples) throws IOException {
        Path dir = Files.createDirectories(root.resolve("images"));
        StringBuilder csv = new StringBuilder("path,label,group,split\n");
        for (int i = 0; i < samples; i++) {
            int label = i % 2;
            int slide = i / 4;
            String name = String.format("slide %04d, patch %d.png", slide, i % 4);
            ImageFiles.writeRgb(new Raster(3, SIDE, SIDE, SyntheticPatches.patch(i, label, SIDE, 2)), dir.resolve(name),
                    "png");
            String split = switch (slide % 10) {
                case 7 -> "val";
                case 8, 9 -> "test";
                default -> "train";
            };
            csv.append("\"images/").append(name).append("\",").append(CLASSES.get(label)).append(",slide-")
                    .append(slide).append(',').append(split).append('\n');
        }
        Files.writeString(root.resolve("labels.csv"), csv.toString());
    }

    /**
     * Images beside masks: {@code root/images/<patient>_<n>.png}, {@code root/masks/<patient>_<n>.png}
     * (0/255) and {@code root/groups.csv} naming each slice's patient; ten slices a patient.
     */
    public static void writeMaskFolder(Path root, int samples) throws IOException {
        Path images = Files.createDirectories(root.resolve("images"));
        Path masks = Files.createDirectories(root.resolve("masks"));
        int s = LggFolder.SIDE;
        StringBuilder groups = new StringBuilder("image,group\n");
        for (int i = 0; i < samples; i++) {
            int patient = i / 10;
            String stem = String.format("p%03d_%02d", patient, i % 10);
            float[][] slice = SyntheticScans.slice(1, patient, i % 10 + 1);
            ImageFiles.writeRgb(new Raster(3, s, s, slice[0]), images.resolve(stem + ".png"), "png");
            ImageFiles.writeMask(new Raster(1, s, s, slice[1]), masks.resolve(stem + ".png"), "png");
            groups.append(stem).append(",patient-").append(patient).append('\n');
        }
        Files.writeString(root.resolve(MaskFolder.GROUPS_FILE), groups.toString());
    }
}
