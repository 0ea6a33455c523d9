package org.kdml.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Generated MRI-like slices with tumour masks, written in the LGG layout
 * ({@code kaggle_3m/<patient>/<patient>_<n>.tif} and {@code _mask.tif}, 256×256) so that the real
 * loader reads them: a noisy grey "brain" ellipse, and on about half of the slices one or two
 * bright irregular blobs (some very small) whose pixels form the mask.
 */
public final class SyntheticScans {

    private SyntheticScans() {
    }

    /**
     * Writes {@code patients × slices} slices under {@code root/kaggle_3m}.
     *
     * @param root the folder to fill
     * @param patients number of patients (the split's groups)
     * @param slices slices per patient
     * @param seed generator seed
     */
    public static void writeLgg(Path root, int patients, int slices, long seed) throws IOException {
        int s = LggFolder.SIDE;
        for (int p = 0; p < patients; p++) {
            String patient = String.format("TCGA_SY_%04d_19990101", p);
            Path dir = root.resolve("kaggle_3m").resolve(patient);
            for (int n = 1; n <= slices; n++) {
                float[][] sl = slice(seed, p, n);
                float[] img = sl[0];
                float[] mask = sl[1];
                String id = patient + "_" + n;
                ImageFiles.writeRgb(new Raster(3, s, s, img), dir.resolve(id + ".tif"), "tiff");
                ImageFiles.writeMask(new Raster(1, s, s, mask), dir.resolve(id + "_mask.tif"), "tiff");
            }
        }
    }

    /**
     * One generated slice of patient {@code p}: {@code [image (3, S, S), mask (S, S)]} at the LGG
     * side, the same for the same seed, patient and slice number.
     */
    static float[][] slice(long seed, int p, int n) {
        int s = LggFolder.SIDE;
        Random r = new Random(seed * 7919 + p * 131L + n);
        float[] img = new float[3 * s * s];
        float[] mask = new float[s * s];
        double ax = s * (0.30 + 0.08 * r.nextDouble());
        double ay = s * (0.36 + 0.08 * r.nextDouble());
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double e = Math.pow((x - s / 2.0) / ax, 2) + Math.pow((y - s / 2.0) / ay, 2);
                float v = e < 1 ? (float) (0.35 + 0.1 * r.nextGaussian()) : (float) (0.02 * r.nextDouble());
                for (int c = 0; c < 3; c++) {
                    img[c * s * s + y * s + x] = Math.max(0, Math.min(1, v));
                }
            }
        }
        if (r.nextBoolean()) {
            int blobs = 1 + r.nextInt(2);
            for (int b = 0; b < blobs; b++) {
                double cx = s / 2.0 + (r.nextDouble() - 0.5) * ax;
                double cy = s / 2.0 + (r.nextDouble() - 0.5) * ay;
                double rad = 3 + r.nextDouble() * (r.nextBoolean() ? 6 : 25);
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        double ang = Math.atan2(y - cy, x - cx);
                        double rr = rad * (1 + 0.25 * Math.sin(3 * ang + b));
                        if (Math.hypot(x - cx, y - cy) < rr) {
                            mask[y * s + x] = 1;
                            for (int c = 0; c < 3; c++) {
                                img[c * s * s + y * s + x] = (float) Math.min(1, 0.75 + 0.1 * r.nextGaussian());
                            }
                        }
                    }
                }
            }
        }
        return new float[][] {img, mask};
    }
}
