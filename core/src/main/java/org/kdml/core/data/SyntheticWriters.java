package org.kdml.core.data;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes generated data in the published layouts that kdml reads, so that quick starts,
 * tests and benchmarks go through the real loaders: PCam HDF5 pairs and HAM10000 folders (PCam
 * folders: {@link SyntheticPatches#writePcam}; LGG: {@link SyntheticScans#writeLgg}).
 */
public final class SyntheticWriters {

    private SyntheticWriters() {
    }

    /**
     * Writes {@code camelyonpatch_level_2_split_<split>_{x,y}.h5}: {@code n} generated patches
     * (uint8 N×96×96×3, stored as 8-bit integers) and {@code labelsCount} labels (N×1×1×1,
     * alternating 0/1; a count other than {@code n} makes a deliberately inconsistent pair).
     */
    public static void writePcamH5(Path dir, String split, int n, int labelsCount) throws IOException {
        writePcamH5(dir, split, 0, n, labelsCount);
    }

    /**
     * Writes the three published splits, {@code camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5},
     * in PCam's proportions (262 144 : 32 768 : 32 768 = 8 : 1 : 1) of {@code samples} patches, at
     * least 2 per split. The splits draw on disjoint generated images, as PCam's splits come from
     * disjoint slides.
     *
     * @return the number of patches written per split: train, valid, test
     */
    public static int[] writePcamH5Splits(Path dir, int samples) throws IOException {
        int valid = Math.max(2, samples / 10);
        int test = Math.max(2, samples / 10);
        int train = Math.max(2, samples - valid - test);
        int window = 64; // the most distinct images one split draws on
        writePcamH5(dir, "train", 0, train, train);
        writePcamH5(dir, "valid", window, valid, valid);
        writePcamH5(dir, "test", 2 * window, test, test);
        return new int[] {train, valid, test};
    }

    /** As {@link #writePcamH5(Path, String, int, int)}, the patches drawn from generated images {@code first, first + 1, …}. */
    private static void writePcamH5(Path dir, String split, int first, int n, int labelsCount) throws IOException {
        int distinct = Math.max(2, Math.min(n, 64));
        SyntheticPatches gen = new SyntheticPatches(first + distinct, PcamFolder.SIDE, 2);
        int s = PcamFolder.SIDE;
        byte[][][][] x = new byte[n][s][s][3];
        for (int i = 0; i < n; i++) {
            float[] img = gen.image(first + i % distinct);
            for (int y = 0; y < s; y++) {
                for (int z = 0; z < s; z++) {
                    for (int c = 0; c < 3; c++) {
                        x[i][y][z][c] = (byte) Math.round(img[c * s * s + y * s + z] * 255f);
                    }
                }
            }
        }
        byte[][][][] y = new byte[labelsCount][1][1][1];
        for (int i = 0; i < labelsCount; i++) {
            y[i][0][0][0] = (byte) (gen.label(first + i % distinct));
        }
        Files.createDirectories(dir);
        try (WritableHdfFile f = HdfFile.write(dir.resolve("camelyonpatch_level_2_split_" + split + "_x.h5"))) {
            f.putDataset("x", x);
        }
        try (WritableHdfFile f = HdfFile.write(dir.resolve("camelyonpatch_level_2_split_" + split + "_y.h5"))) {
            f.putDataset("y", y);
        }
    }

    /**
     * Writes a HAM10000 folder: {@code lesions} lesions with 1–3 images each ({@code width × height}
     * JPEG, split over {@code HAM10000_images_part_1/} and {@code _part_2/}), diagnoses cycling over
     * the seven classes (the lesion's colour tells its class), masks in
     * {@code HAM10000_segmentations_lesion_tschandl/}, and {@code HAM10000_metadata.csv}.
     */
    public static void writeHam(Path root, int lesions, int width, int height) throws IOException {
        StringBuilder csv = new StringBuilder("lesion_id,image_id,dx,dx_type,age,sex,localization\n");
        Random r = new Random(5);
        int image = 0;
        int plane = width * height;
        for (int l = 0; l < lesions; l++) {
            int cls = l % 7;
            String dx = Ham10000Folder.CLASSES.get(cls);
            int copies = 1 + l % 3;
            double radius = Math.min(width, height) * (0.15 + 0.1 * r.nextDouble());
            for (int k = 0; k < copies; k++) {
                String id = String.format("ISIC_%07d", image++);
                float[] px = new float[3 * plane];
                float[] mask = new float[plane];
                double cx = width / 2.0 + (r.nextDouble() - 0.5) * width * 0.2;
                double cy = height / 2.0 + (r.nextDouble() - 0.5) * height * 0.2;
                for (int p = 0; p < plane; p++) {
                    boolean lesion = Math.hypot(p % width - cx, p / width - cy) < radius;
                    mask[p] = lesion ? 1 : 0;
                    float noise = 0.08f * (float) r.nextGaussian();
                    px[p] = clamp((lesion ? 0.25f + 0.08f * cls : 0.85f) + noise);
                    px[plane + p] = clamp((lesion ? 0.15f + 0.05f * (6 - cls) : 0.65f) + noise);
                    px[2 * plane + p] = clamp((lesion ? 0.2f : 0.55f) + noise);
                }
                String part = image % 2 == 0 ? "HAM10000_images_part_1" : "HAM10000_images_part_2";
                ImageFiles.writeRgb(new Raster(3, height, width, px), root.resolve(part).resolve(id + ".jpg"), "jpg");
                ImageFiles.writeMask(new Raster(1, height, width, mask),
                        root.resolve("HAM10000_segmentations_lesion_tschandl").resolve(id + "_segmentation.png"), "png");
                csv.append(String.format("HAM_%07d,%s,%s,histo,50.0,male,back%n", l, id, dx));
            }
        }
        Files.createDirectories(root);
        Files.writeString(root.resolve("HAM10000_metadata.csv"), csv.toString());
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
