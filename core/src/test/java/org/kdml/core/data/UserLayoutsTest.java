package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Splitting;
import org.kdml.spec.Task;

/**
 * The layouts users bring their own images in — {@code imagefolder}, {@code csv},
 * {@code maskfolder} — on fixtures written here: counts, labels, classes, given and carved splits,
 * groups kept together, every image format and pixel layout of the rule, and each bad input's message.
 */
class UserLayoutsTest {

    private static DiskImages open(String kind, Path root, boolean skipBad, String split, Task task) {
        return Datasets.open(new DatasetSpec(kind, root.toString(), 32, null, null, null, null, null, skipBad, null, 1,
                split), task);
    }

    private static DiskImages open(String kind, Path root) {
        return open(kind, root, false, null, Task.CLASSIFICATION);
    }

    /** An 8-bit RGB image of one colour. */
    private static BufferedImage rgb(int r, int g, int b) {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static void write(BufferedImage img, Path file, String format) throws Exception {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()), "no " + format + " writer");
    }

    /** A 16-bit grey image of value {@code v} (of 65535). */
    private static BufferedImage grey16(int v) {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        return img;
    }

    /** A grey + alpha 8-bit image: grey {@code v}, alpha 0 (fully transparent). */
    private static BufferedImage greyAlpha(int v) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(8, 8);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                r.setSample(x, y, 0, v);
                r.setSample(x, y, 1, 0);
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    /** A palette image whose one colour is (200, 100, 50). */
    private static BufferedImage palette() {
        IndexColorModel cm = new IndexColorModel(8, 2, new byte[] {0, (byte) 200}, new byte[] {0, 100},
                new byte[] {0, 50});
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED, cm);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.getRaster().setSample(x, y, 0, 1);
            }
        }
        return img;
    }

    @Test
    void imageFolderReadsEveryFormatAndPixelLayoutByTheDocumentedRules(@TempDir Path root) throws Exception {
        Path a = root.resolve("class A (with spaces)");
        Path b = root.resolve("b");
        write(grey16(65535), a.resolve("grey16.tif"), "tiff");
        write(rgb(255, 0, 0), a.resolve("red.JPG"), "jpg");
        write(rgb(0, 0, 255), a.resolve("blue.bmp"), "bmp");
        write(greyAlpha(128), b.resolve("grey-alpha.png"), "png");
        write(palette(), b.resolve("palette.png"), "png");
        write(rgb(0, 255, 0), b.resolve("green.png"), "png");
        Files.writeString(b.resolve("notes.txt"), "not an image");
        Files.writeString(b.resolve(".hidden.png"), "not read");
        try (DiskImages d = open(ImageFolder.KEY, root)) {
            assertEquals(List.of("b", "class A (with spaces)"), d.classNames(), "sorted folder names (torchvision)");
            assertEquals(6, d.size());
            Map<String, float[]> px = new HashMap<>();
            for (int i = 0; i < d.size(); i++) {
                float[] img = d.image(i);
                int plane = 32 * 32;
                px.put(d.id(i), new float[] {img[0], img[plane], img[2 * plane]});
                assertEquals(d.id(i).startsWith("b/") ? 0 : 1, d.label(i), d.id(i));
            }
            assertRgb(px.get("class A (with spaces)/grey16"), 1, 1, 1);
            assertRgb(px.get("class A (with spaces)/blue"), 0, 0, 1);
            assertRgb(px.get("b/grey-alpha"), 128 / 255f, 128 / 255f, 128 / 255f); // alpha dropped, not composited
            assertRgb(px.get("b/palette"), 200 / 255f, 100 / 255f, 50 / 255f);
            assertRgb(px.get("b/green"), 0, 1, 0);
            assertTrue(px.get("class A (with spaces)/red")[0] > 0.9f, "JPEG, upper-case extension");
            assertEquals(Splitting.POOLED, Split.splitting(d));
            assertNull(d.splitNote());
        }
    }

    private static void assertRgb(float[] px, float r, float g, float b) {
        assertEquals(r, px[0], 0.01, "red");
        assertEquals(g, px[1], 0.01, "green");
        assertEquals(b, px[2], 0.01, "blue");
    }

    @Test
    void givenSplitsAreUsedAsGivenAndAMissingValidationIsCarvedFromTrain(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("given");
        SyntheticLayouts.writeImageFolder(root, 100, true);
        try (DiskImages d = open(ImageFolder.KEY, root)) {
            Split s = Split.of(d, 0.75, 0.1, 7);
            assertEquals(Splitting.OFFICIAL, Split.splitting(d));
            assertEquals(20, s.test().size(), "test/ as given");
            // 80 training images, 40 a class: 10 % of each class's images carved, 4 + 4.
            assertEquals(8, s.val().size());
            assertEquals(72, s.train().size());
            s.test().forEach(i -> assertTrue(d.id(i).startsWith("test/"), d.id(i)));
            s.val().forEach(i -> assertTrue(d.id(i).startsWith("train/"), d.id(i)));
            assertEquals("train and test as given; val carved from train: 10 % of each class's groups (seed 0)",
                    d.splitNote());
            assertEquals(s, Split.of(d, 0.75, 0.1, 8), "the carve belongs to the data, not to the run's seed");
        }
        // A val/ folder is used as given; split: pooled pools all three.
        Files.createDirectories(root.resolve("val"));
        write(rgb(1, 2, 3), root.resolve("val").resolve(SyntheticLayouts.CLASSES.get(0)).resolve("v0.png"), "png");
        write(rgb(3, 2, 1), root.resolve("val").resolve(SyntheticLayouts.CLASSES.get(1)).resolve("v1.png"), "png");
        try (DiskImages d = open(ImageFolder.KEY, root)) {
            assertEquals(2, Split.of(d, 0.75, 0.1, 7).val().size());
            assertNull(d.splitNote());
        }
        try (DiskImages d = open(ImageFolder.KEY, root, false, "pooled", Task.CLASSIFICATION)) {
            assertEquals(Splitting.POOLED, Split.splitting(d));
            assertEquals(102, d.size());
        }
    }

    @Test
    void imageFolderErrorsNameTheFolderOrFile(@TempDir Path dir) throws Exception {
        Path one = dir.resolve("one");
        write(rgb(1, 1, 1), one.resolve("only").resolve("a.png"), "png");
        DatasetException e = assertThrows(DatasetException.class, () -> open(ImageFolder.KEY, one));
        assertEquals(one + ": found 1 class folder(s) [only]; expected two or more: <class>/<image> (torchvision's"
                + " ImageFolder layout)", e.getMessage());

        Path empty = dir.resolve("empty");
        write(rgb(1, 1, 1), empty.resolve("x").resolve("a.png"), "png");
        Files.createDirectories(empty.resolve("y"));
        e = assertThrows(DatasetException.class, () -> open(ImageFolder.KEY, empty));
        assertEquals(empty.resolve("y") + ": empty class folder (no png, jpg, jpeg, tif, tiff, bmp files)",
                e.getMessage());

        Path stray = dir.resolve("stray");
        SyntheticLayouts.writeImageFolder(stray, 20, true);
        write(rgb(1, 1, 1), stray.resolve("test").resolve("unknown").resolve("a.png"), "png");
        e = assertThrows(DatasetException.class, () -> open(ImageFolder.KEY, stray));
        assertEquals(stray.resolve("test").resolve("unknown") + ": class folder 'unknown' is not in train/; classes"
                + " there: [normal tissue, tumour]", e.getMessage());

        Path corrupt = dir.resolve("corrupt");
        SyntheticLayouts.writeImageFolder(corrupt, 10, false);
        Path bad = corrupt.resolve("tumour").resolve("bad.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        e = assertThrows(DatasetException.class, () -> open(ImageFolder.KEY, corrupt));
        assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
        try (DiskImages d = open(ImageFolder.KEY, corrupt, true, null, Task.CLASSIFICATION)) {
            assertEquals(10, d.size(), "skipBad drops the corrupt file and names it");
            assertTrue(d.skipped().toString().contains("bad.png"), d.skipped().toString());
        }

        SpecException official = assertThrows(SpecException.class, () -> open(ImageFolder.KEY, corrupt, false,
                "official", Task.CLASSIFICATION));
        assertTrue(official.getMessage().startsWith("dataset.split: 'official' needs a data set published with its"
                + " own splits"), official.getMessage());
    }

    @Test
    void csvWithQuotedCommasGroupsAndGivenSplits(@TempDir Path dir) throws Exception {
        SyntheticLayouts.writeCsv(dir, 80);
        Path csv = dir.resolve("labels.csv");
        assertTrue(Files.readString(csv).contains("\"images/slide 0000, patch 0.png\""), "a quoted comma");
        try (DiskImages d = open(CsvImages.KEY, csv)) {
            assertEquals(80, d.size());
            assertEquals(SyntheticLayouts.CLASSES, d.classNames(), "sorted labels");
            assertEquals(Splitting.OFFICIAL, Split.splitting(d));
            Split s = Split.of(d, 0.75, 0.1, 1);
            // 20 slides: 0-6 train, 7 val, 8-9 test in every ten.
            assertEquals(56, s.train().size());
            assertEquals(8, s.val().size());
            assertEquals(16, s.test().size());
            assertNull(d.splitNote());
            assertEquals("slide-0", d.group(0));
        }
        try (DiskImages d = open(CsvImages.KEY, csv, false, "pooled", Task.CLASSIFICATION)) {
            for (long seed = 1; seed <= 3; seed++) {
                Split s = Split.of(d, 0.6, 0.2, seed);
                Map<String, String> where = new HashMap<>();
                for (List<Integer> part : List.of(s.train(), s.val(), s.test())) {
                    String name = part == s.train() ? "train" : part == s.val() ? "val" : "test";
                    for (int i : part) {
                        String prev = where.putIfAbsent(d.group(i), name);
                        assertTrue(prev == null || prev.equals(name), "slide " + d.group(i) + " in " + prev + " and "
                                + name);
                    }
                }
            }
        }
    }

    @Test
    void csvErrorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        write(rgb(1, 1, 1), dir.resolve("a.png"), "png");
        write(rgb(2, 2, 2), dir.resolve("b.png"), "png");
        Path csv = dir.resolve("list.csv");
        Files.writeString(csv, "path,label\na.png,cat\nb.png,dog\nmissing.png,dog\n");
        DatasetException e = assertThrows(DatasetException.class, () -> open(CsvImages.KEY, csv));
        assertEquals(csv + " line 4: image not found: " + dir.resolve("missing.png"), e.getMessage());

        Files.writeString(dir.resolve(CsvImages.CLASSES_FILE), "cat\ndog\n");
        Files.writeString(csv, "path,label\na.png,cat\nb.png,bird\n");
        e = assertThrows(DatasetException.class, () -> open(CsvImages.KEY, csv));
        assertEquals(csv + " line 3: label 'bird' names no class; classes: [cat, dog] (classes.txt)", e.getMessage());

        Files.writeString(csv, "path,label,split\na.png,cat,train\nb.png,dog,holdout\n");
        e = assertThrows(DatasetException.class, () -> open(CsvImages.KEY, csv));
        assertEquals(csv + " line 3: split 'holdout' is not one of train, val, valid, test", e.getMessage());

        Files.writeString(csv, "path,label\na.png,cat\n\"a.png\",dog\n");
        e = assertThrows(DatasetException.class, () -> open(CsvImages.KEY, csv));
        assertEquals(csv + " line 3: image 'a.png' is listed twice", e.getMessage());

        Files.writeString(csv, "file,label\na.png,cat\n");
        e = assertThrows(DatasetException.class, () -> open(CsvImages.KEY, csv));
        assertEquals(csv + ": header [file, label] lacks column 'path'", e.getMessage());

        SpecException notFound = assertThrows(SpecException.class, () -> open(CsvImages.KEY, dir.resolve("no.csv")));
        assertEquals("dataset.root: CSV file not found: " + dir.resolve("no.csv") + " (kind csv: root is the CSV file,"
                + " with columns path,label[,group][,split])", notFound.getMessage());
    }

    @Test
    void maskFolderPairsImagesAndMasksByStemAndKeepsPatientsTogether(@TempDir Path dir) throws Exception {
        SyntheticLayouts.writeMaskFolder(dir, 60);
        try (DiskImages d = open(MaskFolder.KEY, dir, false, null, Task.SEGMENTATION)) {
            assertEquals(60, d.size());
            assertEquals("patient-0", d.group(0));
            assertTrue(d.hasMasks());
            boolean foreground = false;
            for (int i = 0; i < d.size(); i++) {
                for (float v : d.mask(i)) {
                    assertTrue(v == 0f || v == 1f);
                    foreground |= v == 1f;
                }
            }
            assertTrue(foreground, "some slices hold foreground");
            Split s = Split.of(d, 0.6, 0.2, 3);
            Map<String, Integer> where = new HashMap<>();
            for (int k = 0; k < 3; k++) {
                for (int i : List.of(s.train(), s.val(), s.test()).get(k)) {
                    Integer prev = where.putIfAbsent(d.group(i), k);
                    assertTrue(prev == null || prev == k, d.group(i));
                }
            }
        }
    }

    @Test
    void maskFolderErrors(@TempDir Path dir) throws Exception {
        SyntheticLayouts.writeMaskFolder(dir, 20);
        Path lonely = dir.resolve("images").resolve("lonely.png");
        write(rgb(1, 1, 1), lonely, "png");
        DatasetException e = assertThrows(DatasetException.class, () -> open(MaskFolder.KEY, dir, false, null,
                Task.SEGMENTATION));
        assertEquals(lonely + ": mask missing: expected masks/lonely.*", e.getMessage());
        Files.delete(lonely);

        Path orphan = dir.resolve("masks").resolve("orphan.png");
        write(rgb(0, 0, 0), orphan, "png");
        e = assertThrows(DatasetException.class, () -> open(MaskFolder.KEY, dir, false, null, Task.SEGMENTATION));
        assertEquals(orphan + ": mask has no image images/orphan.*", e.getMessage());
        Files.delete(orphan);

        // A mask of another size than its image; nonzero values (here 7) are foreground.
        Path small = dir.resolve("masks").resolve("p000_00.png");
        BufferedImage m = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        m.getRaster().setSample(1, 1, 0, 7);
        write(m, small, "png");
        e = assertThrows(DatasetException.class, () -> open(MaskFolder.KEY, dir, false, null, Task.SEGMENTATION));
        assertTrue(e.getMessage().startsWith(small + ": mask is 8x8 but its image is 256x256"), e.getMessage());

        SpecException cls = assertThrows(SpecException.class, () -> open(ImageFolder.KEY, dir, false, null,
                Task.SEGMENTATION));
        assertTrue(cls.getMessage().startsWith("dataset.kind: segmentation needs masks; imagefolder has none;"),
                cls.getMessage());
    }
}
