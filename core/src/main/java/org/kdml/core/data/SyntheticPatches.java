package org.kdml.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * Generated histology-like patches with a learnable signal, standing in for PCam in tests and the
 * quick start ({@link #writePcam} writes them in the PCam layout for the real loader). Every image has a pink, noisy stroma texture and a few pale distractor nuclei; an
 * image of class {@code c ≥ 1} also holds a cluster of dark nuclei whose hue depends on {@code c}
 * ("tumour present"), and class 0 holds none. Image {@code i} depends only on the generator seed
 * and {@code i}, so the set is identical on every machine.
 */
public final class SyntheticPatches implements LabeledImages {

    /** The registry key. */
    public static final String KEY = "synthetic-patches";

    private static final long GENERATOR_SEED = 0x6b646d6cL;

    private final int size;
    private final int classes;
    private final float[][] images;
    private final int[] labels;
    private final String fingerprint;

    /**
     * Generates the set; labels are balanced (image {@code i} has label {@code i mod classes}).
     *
     * @param samples number of images
     * @param size side in pixels
     * @param classes number of classes (≥ 2)
     */
    public SyntheticPatches(int samples, int size, int classes) {
        if (samples < 1 || size < 8 || classes < 2) {
            throw new IllegalArgumentException("samples >= 1, size >= 8, classes >= 2 needed, got samples=" + samples
                    + " size=" + size + " classes=" + classes);
        }
        this.size = size;
        this.classes = classes;
        this.images = new float[samples][];
        this.labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % classes;
            images[i] = render(new Random(GENERATOR_SEED * 31 + i), labels[i]);
        }
        this.fingerprint = sha256(KEY + "|" + GENERATOR_SEED + "|" + samples + "|" + size + "|" + classes);
    }

    /**
     * Writes a generated set in the Kaggle PCam layout, {@code train/<id>.tif} (96×96 RGB) and
     * {@code train_labels.csv}, so that the real loader reads it.
     *
     * @param root the folder to fill
     * @param samples number of images
     * @param classes number of classes (labels 0..classes-1)
     */
    public static void writePcam(Path root, int samples, int classes) throws IOException {
        SyntheticPatches gen = new SyntheticPatches(1, PcamFolder.SIDE, classes);
        Path dir = Files.createDirectories(root.resolve("train"));
        StringBuilder csv = new StringBuilder("id,label\n");
        for (int i = 0; i < samples; i++) {
            int label = i % classes;
            String id = String.format("syn%06d", i);
            float[] img = gen.render(new Random(GENERATOR_SEED * 31 + i), label);
            ImageFiles.writeRgb(new Raster(3, PcamFolder.SIDE, PcamFolder.SIDE, img), dir.resolve(id + ".tif"), "tiff");
            csv.append(id).append(',').append(label).append('\n');
        }
        Files.writeString(root.resolve("train_labels.csv"), csv.toString());
    }

    /**
     * Generated patch {@code i} of class {@code label}: the image {@link #writePcam} writes for the same
     * index and class, at {@code side} px.
     */
    static float[] patch(int i, int label, int side, int classes) {
        return new SyntheticPatches(1, side, classes).render(new Random(GENERATOR_SEED * 31 + i), label);
    }

    private float[] render(Random r, int label) {
        int plane = size * size;
        float[] img = new float[3 * plane];
        // Stroma: pink with per-pixel noise and a soft gradient.
        float gx = r.nextFloat() * 0.1f;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int p = y * size + x;
                float shade = gx * x / size + (float) r.nextGaussian() * 0.12f;
                img[p] = clamp(0.92f + shade);
                img[plane + p] = clamp(0.70f + shade);
                img[2 * plane + p] = clamp(0.82f + shade);
            }
        }
        float radius = Math.max(1.5f, size / 16f);
        int distractors = 2 + r.nextInt(4);
        for (int k = 0; k < distractors; k++) {
            disk(img, r.nextFloat() * size, r.nextFloat() * size, radius, 0.80f, 0.55f, 0.80f);
        }
        if (label > 0) {
            // Tumour nuclei: darker than the distractors by a random, sometimes faint, amount.
            float hue = (label - 1) / (float) Math.max(1, classes - 1);
            float strength = 0.25f + 0.75f * r.nextFloat();
            float cx = size * (0.25f + 0.5f * r.nextFloat());
            float cy = size * (0.25f + 0.5f * r.nextFloat());
            int nuclei = 1 + r.nextInt(3);
            for (int k = 0; k < nuclei; k++) {
                float dx = (float) r.nextGaussian() * size / 8;
                float dy = (float) r.nextGaussian() * size / 8;
                disk(img, cx + dx, cy + dy, radius * (0.8f + 0.4f * r.nextFloat()),
                        mix(0.80f, 0.35f + 0.3f * hue, strength), mix(0.55f, 0.15f, strength),
                        mix(0.80f, 0.55f - 0.3f * hue, strength));
            }
        }
        return img;
    }

    private void disk(float[] img, float cx, float cy, float radius, float red, float green, float blue) {
        int plane = size * size;
        for (int y = (int) Math.max(0, cy - radius); y <= Math.min(size - 1, cy + radius); y++) {
            for (int x = (int) Math.max(0, cx - radius); x <= Math.min(size - 1, cx + radius); x++) {
                float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                if (d2 <= radius * radius) {
                    int p = y * size + x;
                    img[p] = red;
                    img[plane + p] = green;
                    img[2 * plane + p] = blue;
                }
            }
        }
    }

    private static float mix(float from, float to, float t) {
        return from + (to - from) * t;
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int imageSize() {
        return size;
    }

    @Override
    public float[] image(int i) {
        return images[i];
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public String id(int i) {
        return "synthetic-" + i;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
