package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.AugmentationSpec;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Splitting;

class DatasetsTest {

    @TempDir
    static Path shared;
    static Path pcam;
    static Path lgg;
    static Path ham;

    @BeforeAll
    static void writeFixtures() throws Exception {
        pcam = shared.resolve("pcam");
        SyntheticPatches.writePcam(pcam, 40, 2);
        lgg = shared.resolve("lgg");
        SyntheticScans.writeLgg(lgg, 8, 3, 1);
        ham = shared.resolve("ham");
        SyntheticWriters.writeHam(ham, 21, 60, 45);
    }

    private static DiskImages open(String kind, Path root) {
        return open(kind, root, false);
    }

    private static DiskImages open(String kind, Path root, boolean skipBad) {
        return Datasets.open(new DatasetSpec(kind, root.toString(), 32, null, null, null, null, null, skipBad, null, 2,
                null));
    }

    private static Path copy(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return to;
    }

    @Test
    void pcamFolderCountsAndLabels() {
        DiskImages d = open("pcam", pcam);
        assertEquals(40, d.size());
        assertEquals(2, d.classes());
        assertEquals("syn000000", d.id(0));
        assertEquals(0, d.label(0));
        assertEquals(1, d.label(1));
        assertEquals(3 * 32 * 32, d.image(5).length);
        assertTrue(d.cached());
    }

    private static DiskImages openH5(Path root, Integer samples, String split) {
        return Datasets.open(new DatasetSpec("pcam-h5", root.toString(), 96, samples, null, null, null, null, null, null,
                2, split));
    }

    @Test
    void pcamHdf5CountsLabelsAndPixels(@TempDir Path dir) throws Exception {
        SyntheticWriters.writePcamH5(dir, "train", 12, 12);
        SyntheticWriters.writePcamH5(dir, "valid", 4, 4);
        DiskImages d = openH5(dir, null, "pooled");
        assertEquals(16, d.size());
        assertEquals(Set.of("train:0", "valid:3"), Set.of(d.id(0), d.id(15)).stream().filter(s -> s.equals("train:0")
                || s.equals("valid:3")).collect(Collectors.toSet()));
        int ones = 0;
        for (int i = 0; i < d.size(); i++) {
            ones += d.label(i);
        }
        assertEquals(8, ones);
        // Pixels round-trip through the file: the generator's image quantised to 8 bits, read unsigned.
        float[] expected = new SyntheticPatches(12, 96, 2).image(1);
        float[] img = d.image(1);
        float max = 0;
        for (int i = 0; i < img.length; i++) {
            max = Math.max(max, Math.abs(img[i] - Math.round(expected[i] * 255f) / 255f));
        }
        assertEquals(0f, max, 1e-6f);
    }

    /** A chunked, gzip-compressed file as the original PCam ones (made by tools/make_chunked_pcam_h5.py). */
    @Test
    void pcamHdf5ChunkedAndCompressed() throws Exception {
        Path dir = Path.of(getClass().getResource("/pcam-h5-chunked").toURI());
        try (PcamHdf5 src = new PcamHdf5(dir, Splitting.POOLED, false)) {
            assertEquals(10, src.items().size());
            for (Item it : List.of(src.items().get(0), src.items().get(5), src.items().get(9), src.items().get(4))) {
                int i = it.row();
                assertEquals(i % 2, it.label());
                float[] img = src.read(it).data();
                for (int y = 0; y < 96; y += 13) {
                    for (int z = 0; z < 96; z += 7) {
                        for (int c = 0; c < 3; c++) {
                            int expected = (i * 7 + y * 3 + z * 5 + c * 11) % 256;
                            assertEquals(expected / 255f, img[c * 96 * 96 + y * 96 + z], 1e-6, "row " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pcamHdf5WithMismatchedLabelsNamesTheFile(@TempDir Path dir) throws Exception {
        SyntheticWriters.writePcamH5(dir, "test", 6, 5);
        DatasetException e = assertThrows(DatasetException.class, () -> new PcamHdf5(dir, Splitting.POOLED, false));
        assertTrue(e.getMessage().contains("camelyonpatch_level_2_split_test_y.h5: dataset 'y' has 5 labels but "
                + "camelyonpatch_level_2_split_test_x.h5 has 6 images"), e.getMessage());
    }

    /** Writes the three published splits with the given sizes (labels alternate 0/1 within each). */
    private static void writeH5Splits(Path dir, int train, int valid, int test) throws Exception {
        SyntheticWriters.writePcamH5(dir, "train", train, train);
        SyntheticWriters.writePcamH5(dir, "valid", valid, valid);
        SyntheticWriters.writePcamH5(dir, "test", test, test);
    }

    /** {@code "split:0" … "split:(n-1)"}: every row of one published split. */
    private static Set<String> rows(String split, int n) {
        return IntStream.range(0, n).mapToObj(i -> split + ":" + i)
                .collect(Collectors.toSet());
    }

    private static Set<String> ids(LabeledImages d, List<Integer> indices) {
        return indices.stream().map(d::id).collect(Collectors.toSet());
    }

    @Test
    void pcamHdf5UsesTheOfficialSplitsAsGivenByDefault(@TempDir Path dir) throws Exception {
        writeH5Splits(dir, 8, 4, 6);
        DiskImages d = openH5(dir, null, null);
        assertEquals(Splitting.OFFICIAL, Split.splitting(d));
        for (long seed = 1; seed <= 3; seed++) {
            Split s = Split.of(d, 0.75, 0.10, seed);
            assertEquals(rows("train", 8), ids(d, s.train()), "seed " + seed);
            assertEquals(rows("valid", 4), ids(d, s.val()), "seed " + seed);
            assertEquals(rows("test", 6), ids(d, s.test()), "seed " + seed);
        }
        assertEquals(d.officialSplit(), openH5(dir, null, "official").officialSplit());
    }

    @Test
    void pcamHdf5SubsamplesWithinEachOfficialSplitInProportion(@TempDir Path dir) throws Exception {
        writeH5Splits(dir, 48, 6, 6);
        // 40 of 60: 40·48/60 = 32 train, 40·6/60 = 4 valid, 4 test; half of each per class.
        DiskImages d = openH5(dir, 40, null);
        Split s = Split.of(d, 0.75, 0.10, 1);
        assertEquals(List.of(32, 4, 4), List.of(s.train().size(), s.val().size(), s.test().size()));
        assertEquals(List.of(16L, 16L), counts(d, s.train()));
        assertEquals(List.of(2L, 2L), counts(d, s.val()));
        assertEquals(List.of(2L, 2L), counts(d, s.test()));
        assertTrue(rows("train", 48).containsAll(ids(d, s.train())), ids(d, s.train()).toString());
        assertTrue(rows("valid", 6).containsAll(ids(d, s.val())), ids(d, s.val()).toString());
        assertTrue(rows("test", 6).containsAll(ids(d, s.test())), ids(d, s.test()).toString());
        DiskImages again = openH5(dir, 40, null);
        assertEquals(IntStream.range(0, d.size()).mapToObj(d::id).toList(),
                IntStream.range(0, again.size()).mapToObj(again::id).toList());
        assertEquals(d.fingerprint(), again.fingerprint());
        assertNotEquals(d.fingerprint(), openH5(dir, 40, "pooled").fingerprint());
    }

    @Test
    void aSubsampleThatLeavesAnOfficialSplitEmptyFails(@TempDir Path dir) throws Exception {
        writeH5Splits(dir, 40, 1, 1);
        // 20 of 42: quotas 19, 1, 0; one image cannot be halved between two classes, so val gets none.
        DatasetException e = assertThrows(DatasetException.class, () -> openH5(dir, 20, null));
        assertEquals("pcam-h5: the official val split is empty in a subset of 20 (dataset.samples); use more samples",
                e.getMessage());
    }

    @Test
    void quotasShareSamplesInProportionLargestRemainderFirst() {
        assertEquals(List.of(32, 4, 4), boxed(DiskImages.quotas(new int[] {48, 6, 6}, 40)));
        // 25·8/10 = 20, 25·1/10 = 2.5, 2.5: the one left over goes to the earlier tie.
        assertEquals(List.of(20, 3, 2), boxed(DiskImages.quotas(new int[] {8, 1, 1}, 25)));
        // PCam's 262 144 / 32 768 / 32 768 patches and the paper's 20 000.
        assertEquals(List.of(16000, 2000, 2000), boxed(DiskImages.quotas(new int[] {262144, 32768, 32768}, 20000)));
    }

    private static List<Integer> boxed(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    @Test
    void pcamHdf5PooledOnRequestIsReSplitByKdml(@TempDir Path dir) throws Exception {
        writeH5Splits(dir, 8, 4, 6);
        DiskImages d = openH5(dir, null, "pooled");
        assertEquals(18, d.size());
        assertTrue(d.officialSplit().isEmpty());
        assertEquals(Splitting.POOLED, Split.splitting(d));
        boolean mixed = false;
        for (long seed = 1; seed <= 5; seed++) {
            Split s = Split.of(d, 0.75, 0.10, seed);
            assertEquals(Split.stratified(d, 0.75, 0.10, seed), s);
            mixed |= !rows("test", 6).containsAll(ids(d, s.test()));
        }
        assertTrue(mixed, "pooling re-splits: some test split holds patches from the other files");
    }

    @Test
    void pcamHdf5OfficialNamesTheMissingFile(@TempDir Path dir) throws Exception {
        SyntheticWriters.writePcamH5(dir, "train", 8, 8);
        SyntheticWriters.writePcamH5(dir, "valid", 4, 4);
        String hint = ": file not found; dataset.split: official needs the train, valid and test files"
                + " (dataset.split: pooled pools the splits present)";
        DatasetException noTest = assertThrows(DatasetException.class, () -> openH5(dir, null, null));
        assertEquals(dir.resolve("camelyonpatch_level_2_split_test_x.h5") + hint, noTest.getMessage());
        SyntheticWriters.writePcamH5(dir, "test", 6, 6);
        Files.delete(dir.resolve("camelyonpatch_level_2_split_valid_y.h5"));
        DatasetException noValidY = assertThrows(DatasetException.class, () -> openH5(dir, null, "official"));
        assertEquals(dir.resolve("camelyonpatch_level_2_split_valid_y.h5") + hint, noValidY.getMessage());
    }

    @Test
    void splitOptionErrorsNameTheFieldAndTheValue() {
        SpecException unknown = assertThrows(SpecException.class,
                () -> new DatasetSpec("pcam-h5", null, 96, null, null, null, null, null, null, null, null, "random"));
        assertEquals("dataset.split: unknown splitting 'random'; valid: official, pooled", unknown.getMessage());
        SpecException none = assertThrows(SpecException.class, () -> Datasets.check(
                new DatasetSpec("lgg", lgg.toString(), 32, null, null, null, null, null, null, null, null, "official")));
        assertEquals("dataset.split: 'official' needs a data set published with its own splits (pcam-h5, or"
                + " imagefolder and csv with train/ and test/ folders or a split column); lgg has none here: use pooled"
                + " or leave split out", none.getMessage());
        assertEquals(Splitting.POOLED, Datasets.splitting(
                new DatasetSpec("lgg", lgg.toString(), 32, null, null, null, null, null, null, null, null, null)));
    }

    @Test
    void generatedPcamHdf5HasAllThreeSplitsOnDisjointImages(@TempDir Path dir) throws Exception {
        assertEquals(List.of(16, 2, 2), boxed(SyntheticWriters.writePcamH5Splits(dir, 20)));
        try (PcamHdf5 src = new PcamHdf5(dir, Splitting.OFFICIAL, false)) {
            Map<String, List<Item>> splits = src.officialSplits();
            assertEquals(List.of("train", "val", "test"), List.copyOf(splits.keySet()));
            assertEquals(List.of(16, 2, 2), splits.values().stream().map(List::size).toList());
            Set<String> train = new HashSet<>();
            for (Item it : splits.get("train")) {
                train.add(Arrays.toString(src.read(it).data()));
            }
            for (Item it : List.of(splits.get("val").get(0), splits.get("test").get(1))) {
                assertTrue(!train.contains(Arrays.toString(src.read(it).data())), it.id() + " repeats a training image");
            }
        }
    }

    @Test
    void lggLabelsComeFromMasksAndSplitsNeverShareAPatient() {
        DiskImages d = open("lgg", lgg);
        assertEquals(24, d.size());
        LggFolder src = (LggFolder) d.source();
        for (int i = 0; i < d.size(); i++) {
            boolean tumour = Masks.anyForeground(src.readMask(d.item(i)));
            assertEquals(tumour ? 1 : 0, d.label(i), d.id(i));
        }
        for (long seed = 1; seed <= 5; seed++) {
            assertNoGroupLeak(d, Split.stratified(d, 0.6, 0.2, seed));
        }
    }

    @Test
    void ham10000LabelsByDiagnosisAndSplitsNeverShareALesion() {
        DiskImages d = open("ham10000", ham);
        assertEquals(42, d.size()); // 21 lesions with 1, 2, 3, 1, 2, 3 ... images
        assertEquals(7, d.classes());
        assertEquals("akiec", d.classNames().get(d.label(0)));
        for (long seed = 1; seed <= 5; seed++) {
            assertNoGroupLeak(d, Split.stratified(d, 0.5, 0.2, seed));
        }
    }

    private static void assertNoGroupLeak(LabeledImages d, Split s) {
        Map<String, String> where = new HashMap<>();
        for (String name : List.of("train", "val", "test")) {
            List<Integer> part = name.equals("train") ? s.train() : name.equals("val") ? s.val() : s.test();
            assertTrue(!part.isEmpty(), name + " is empty");
            for (int i : part) {
                String prev = where.putIfAbsent(d.group(i), name);
                assertTrue(prev == null || prev.equals(name), "group " + d.group(i) + " is in " + prev + " and " + name);
            }
        }
        assertEquals(d.size(), s.train().size() + s.val().size() + s.test().size());
    }

    @Test
    void splitsAreStratifiedAndAPureFunctionOfTheSeed() {
        DiskImages d = open("pcam", pcam);
        Split a = Split.stratified(d, 0.75, 0.10, 7);
        assertEquals(a, Split.stratified(d, 0.75, 0.10, 7));
        assertNotEquals(a, Split.stratified(d, 0.75, 0.10, 8));
        // 20 per class: 15 train, 2 val, 3 test each.
        for (int c = 0; c < 2; c++) {
            int cls = c;
            assertEquals(15, a.train().stream().filter(i -> d.label(i) == cls).count());
            assertEquals(2, a.val().stream().filter(i -> d.label(i) == cls).count());
            assertEquals(3, a.test().stream().filter(i -> d.label(i) == cls).count());
        }
    }

    @Test
    void balancingTouchesCountsOnly() {
        SyntheticPatches d = new SyntheticPatches(40, 32, 2);
        List<Integer> unbalanced = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (d.label(i) == 0 || i < 20) {
                unbalanced.add(i); // 20 of class 0, 10 of class 1
            }
        }
        List<Integer> under = Balancing.apply("undersample", d, unbalanced, 1);
        List<Integer> over = Balancing.apply("oversample", d, unbalanced, 1);
        assertEquals(List.of(10L, 10L), counts(d, under));
        assertEquals(List.of(20L, 20L), counts(d, over));
        assertTrue(unbalanced.containsAll(over));
        assertEquals(unbalanced, Balancing.apply("none", d, unbalanced, 1));
        assertEquals(over, Balancing.apply("oversample", d, unbalanced, 1));
    }

    private static List<Long> counts(LabeledImages d, List<Integer> idx) {
        return List.of(idx.stream().filter(i -> d.label(i) == 0).count(), idx.stream().filter(i -> d.label(i) == 1).count());
    }

    @Test
    void augmentationKeepsImageAndMaskAligned() {
        int s = 48;
        float[] mask = new float[s * s];
        for (int y = 10; y < 30; y++) {
            for (int x = 14; x < 40; x++) {
                mask[y * s + x] = (x + y) % 7 == 0 ? 0 : 1;
            }
        }
        float[] img = new float[3 * s * s];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(mask, 0, img, c * s * s, s * s);
        }
        Augmenter aug = new Augmenter(new AugmentationSpec(true, true, true, 30.0, 0.15, 0.2));
        Random r = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            float[][] out = aug.apply(img, mask, s, r);
            int agree = 0;
            for (int p = 0; p < s * s; p++) {
                agree += (out[0][p] > 0.5f) == (out[1][p] > 0.5f) ? 1 : 0;
            }
            assertTrue(agree >= 0.97 * s * s, "trial " + trial + ": only " + agree + " of " + s * s + " agree");
        }
        // Seeded: the same seed gives the same images.
        float[] a = aug.apply(img, null, s, new Random(9))[0];
        float[] b = aug.apply(img, null, s, new Random(9))[0];
        assertTrue(Arrays.equals(a, b));
    }

    @Test
    void fingerprintChangesWithLabels(@TempDir Path dir) throws Exception {
        Path copy = copy(pcam, dir.resolve("p"));
        String before = new PcamFolder(copy, 2, false).fingerprint();
        assertEquals(before, new PcamFolder(copy, 2, false).fingerprint());
        Path csv = copy.resolve("train_labels.csv");
        Files.writeString(csv, Files.readString(csv).replace("syn000000,0", "syn000000,1"));
        assertNotEquals(before, new PcamFolder(copy, 2, false).fingerprint());
    }

    // ---- bad input: one test per case, each naming the file and the problem ----

    @Test
    void missingImageForALabelRow(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Files.delete(p.resolve("train/syn000003.tif"));
        DatasetException e = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertTrue(e.getMessage().endsWith("train/syn000003.tif: missing image for the label row at line 5"),
                e.getMessage());
    }

    @Test
    void imageWithoutALabelRow(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Files.copy(p.resolve("train/syn000001.tif"), p.resolve("train/stray.tif"));
        DatasetException e = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertTrue(e.getMessage().endsWith("train/stray.tif: image has no row in train_labels.csv"), e.getMessage());
    }

    @Test
    void corruptOrTruncatedImage(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Path f = p.resolve("train/syn000007.tif");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, 200));
        DatasetException e = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        Files.write(f, new byte[] {1, 2, 3});
        DatasetException e2 = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertTrue(e2.getMessage().startsWith(f + ": not an image"), e2.getMessage());
    }

    @Test
    void wrongImageSize(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Path f = p.resolve("train/syn000002.tif");
        ImageFiles.writeRgb(new Raster(3, 64, 64, new float[3 * 64 * 64]), f, "tiff");
        DatasetException e = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertEquals(f + ": image is 64x64, expected 96x96", e.getMessage());
    }

    @Test
    void unknownClass(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Path csv = p.resolve("train_labels.csv");
        Files.writeString(csv, Files.readString(csv).replace("syn000004,0", "syn000004,7"));
        DatasetException e = assertThrows(DatasetException.class, () -> open("pcam", p));
        assertEquals(csv + " line 6: unknown class '7' for id syn000004; valid: 0..1", e.getMessage());
        Path h = copy(ham, dir.resolve("h"));
        Path meta = h.resolve("HAM10000_metadata.csv");
        Files.writeString(meta, Files.readString(meta).replaceFirst(",akiec,", ",melanoma,"));
        DatasetException e2 = assertThrows(DatasetException.class, () -> open("ham10000", h));
        assertTrue(e2.getMessage().startsWith(meta + " line 2: unknown class 'melanoma'"), e2.getMessage());
    }

    @Test
    void maskMissingOrNotMatchingItsImage(@TempDir Path dir) throws Exception {
        Path l = copy(lgg, dir.resolve("l"));
        Path patient = l.resolve("kaggle_3m/TCGA_SY_0002_19990101");
        Files.delete(patient.resolve("TCGA_SY_0002_19990101_2_mask.tif"));
        DatasetException e = assertThrows(DatasetException.class, () -> open("lgg", l));
        assertEquals(patient.resolve("TCGA_SY_0002_19990101_2.tif")
                + ": mask missing: expected TCGA_SY_0002_19990101_2_mask.tif", e.getMessage());

        Path l2 = copy(lgg, dir.resolve("l2"));
        Path mask = l2.resolve("kaggle_3m/TCGA_SY_0001_19990101/TCGA_SY_0001_19990101_1_mask.tif");
        ImageFiles.writeMask(new Raster(1, 128, 128, new float[128 * 128]), mask, "tiff");
        DatasetException e2 = assertThrows(DatasetException.class, () -> open("lgg", l2));
        assertEquals(mask + ": mask is 128x128 but its image is 256x256", e2.getMessage());

        Path h = copy(ham, dir.resolve("h"));
        Path hm = h.resolve("HAM10000_segmentations_lesion_tschandl/ISIC_0000004_segmentation.png");
        ImageFiles.writeMask(new Raster(1, 10, 10, new float[100]), hm, "png");
        DatasetException e3 = assertThrows(DatasetException.class, () -> open("ham10000", h));
        assertEquals(hm + ": mask is 10x10 but its image is 60x45", e3.getMessage());
    }

    @Test
    void nonBinaryMask(@TempDir Path dir) throws Exception {
        Path l = copy(lgg, dir.resolve("l"));
        Path mask = l.resolve("kaggle_3m/TCGA_SY_0000_19990101/TCGA_SY_0000_19990101_3_mask.tif");
        float[] grey = new float[256 * 256];
        grey[5] = 0.5f;
        ImageFiles.writeRgb(new Raster(1, 256, 256, grey), mask, "tiff");
        DatasetException e = assertThrows(DatasetException.class, () -> open("lgg", l));
        assertEquals(mask + ": mask is not binary: value 128 at pixel (5, 0); expected 0 or 255", e.getMessage());
    }

    @Test
    void emptySplitAfterGrouping(@TempDir Path dir) throws Exception {
        Path l = dir.resolve("two");
        SyntheticScans.writeLgg(l, 2, 4, 2);
        DiskImages d = open("lgg", l);
        DatasetException e = assertThrows(DatasetException.class, () -> Split.stratified(d, 0.75, 0.10, 1));
        assertTrue(e.getMessage().startsWith("split: the "), e.getMessage());
        assertTrue(e.getMessage().contains("split is empty after grouping 8 images into 2 groups"), e.getMessage());
    }

    @Test
    void skipBadWarnsWithACountInsteadOfFailing(@TempDir Path dir) throws Exception {
        Path p = copy(pcam, dir.resolve("p"));
        Files.delete(p.resolve("train/syn000003.tif"));
        Files.write(p.resolve("train/syn000007.tif"), new byte[] {1, 2, 3});
        DiskImages d = open("pcam", p, true);
        assertEquals(38, d.size());
        assertEquals(2, d.skipped().size());
        assertTrue(d.skipped().get(0).contains("syn000003.tif: missing image"), d.skipped().toString());
        assertTrue(d.skipped().get(1).contains("syn000007.tif: not an image"), d.skipped().toString());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            ids.add(d.id(i));
        }
        assertTrue(!ids.contains("syn000003") && !ids.contains("syn000007"));
    }

    @Test
    void specErrorsNameRootAndKind(@TempDir Path dir) {
        SpecException noRoot = assertThrows(SpecException.class, () -> Datasets.check(
                new DatasetSpec("lgg", null, 32, null, null, null, null, null, null, null, null, null)));
        assertEquals("dataset.root: is required for lgg (the folder holding the data set in its published layout)",
                noRoot.getMessage());
        SpecException missing = assertThrows(SpecException.class, () -> Datasets.check(
                new DatasetSpec("pcam", dir.resolve("nope").toString(), 32, null, null, null, null, null, null, null, null,
                        null)));
        assertEquals("dataset.root: folder not found: " + dir.resolve("nope"), missing.getMessage());
        SpecException balance = assertThrows(SpecException.class,
                () -> new DatasetSpec("pcam", null, 32, null, null, null, null, "smote", null, null, null, null));
        assertEquals("dataset.balance: unknown balancing 'smote'; valid: none, undersample, oversample",
                balance.getMessage());
    }

    @Test
    void aBalancedSubsetTakesEqualClassesAndFailsWhenAClassIsShort() {
        DiskImages d = Datasets.open(new DatasetSpec("pcam", pcam.toString(), 32, 20, null, null, null, null, null,
                null, 2, null));
        assertEquals(List.of(10L, 10L), counts(d, IntStream.range(0, d.size()).boxed().toList()));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(new DatasetSpec("pcam",
                pcam.toString(), 32, 60, null, null, null, null, null, null, 2, null)));
        assertEquals("pcam: a balanced subset of 60 needs 30 images of class 'normal', there are 20", e.getMessage());
    }
}
