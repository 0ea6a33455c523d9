package org.kdml.core.data;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small data sets in each real on-disk format, written by the tests. */
final class DataFixtures {

    private DataFixtures() {
    }

    /** PCam HDF5 pair for {@code split}: {@code n} images, labels alternating 0/1 (or as given). */
    static void writePcamH5(Path dir, String split, int n, int labelsCount) throws IOException {
        byte[][][][] x = new byte[n][96][96][3];
        Random r = new Random(n);
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 96; y++) {
                for (int z = 0; z < 96; z++) {
                    x[i][y][z][0] = (byte) (i % 2 == 1 && y > 40 && y < 56 ? 40 : 200 + r.nextInt(40));
                    x[i][y][z][1] = (byte) 150;
                    x[i][y][z][2] = (byte) 190;
                }
            }
        }
        byte[][][][] y = new byte[labelsCount][1][1][1];
        for (int i = 0; i < labelsCount; i++) {
            y[i][0][0][0] = (byte) (i % 2);
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
     * HAM10000: {@code lesions} lesions with 1–3 images each (60×45 JPEG), diagnoses cycling over
     * the seven classes, masks in a segmentation folder.
     */
    static void writeHam(Path root, int lesions) throws IOException {
        StringBuilder csv = new StringBuilder("lesion_id,image_id,dx,dx_type,age,sex,localization\n");
        Random r = new Random(5);
        int image = 0;
        for (int l = 0; l < lesions; l++) {
            String dx = Ham10000Folder.CLASSES.get(l % 7);
            int copies = 1 + l % 3;
            for (int k = 0; k < copies; k++) {
                String id = String.format("ISIC_%07d", image++);
                float[] px = new float[3 * 45 * 60];
                float[] mask = new float[45 * 60];
                for (int p = 0; p < 45 * 60; p++) {
                    boolean lesion = Math.hypot(p % 60 - 30, p / 60 - 22) < 12;
                    mask[p] = lesion ? 1 : 0;
                    px[p] = lesion ? 0.3f + 0.05f * (l % 7) : 0.8f + 0.1f * r.nextFloat();
                    px[45 * 60 + p] = lesion ? 0.2f : 0.6f;
                    px[2 * 45 * 60 + p] = lesion ? 0.2f : 0.5f;
                }
                String part = image % 2 == 0 ? "HAM10000_images_part_1" : "HAM10000_images_part_2";
                ImageFiles.writeRgb(new Raster(3, 45, 60, px), root.resolve(part).resolve(id + ".jpg"), "jpg");
                ImageFiles.writeMask(new Raster(1, 45, 60, mask),
                        root.resolve("HAM10000_segmentations_lesion_tschandl").resolve(id + "_segmentation.png"), "png");
                csv.append(String.format("HAM_%07d,%s,%s,histo,50.0,male,back%n", l, id, dx));
            }
        }
        Files.writeString(root.resolve("HAM10000_metadata.csv"), csv.toString());
    }
}
