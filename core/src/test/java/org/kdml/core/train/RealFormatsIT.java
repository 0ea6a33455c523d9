package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.SyntheticLayouts;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.data.SyntheticWriters;
import org.kdml.spec.Specs;
import org.kdml.spec.Splitting;
import org.kdml.results.RunResult;

/** {@code kdml train} on data in the LGG, HAM10000 and PCam HDF5 layouts, with augmentation and balancing. */
class RealFormatsIT {

    private static String spec(String kind, Path root, String extra) {
        return String.join("\n",
                "name: real-" + kind,
                "dataset: {kind: " + kind + ", root: '" + root + "', imageSize: 32, " + extra + "}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [kd-ml]",
                "versions: [v3]",
                "training: {epochs: 1, batchSize: 8}",
                "");
    }

    @Test
    void lggByPatientWithAugmentation(@TempDir Path dir) throws Exception {
        SyntheticScans.writeLgg(dir.resolve("lgg"), 6, 4, 3);
        List<RunResult> r = ExperimentRunner.run(Specs.parse(spec("lgg", dir.resolve("lgg"),
                "augmentation: {hflip: true, vflip: true, rotate: 15, shift: 0.1, scale: 0.1}"), "lgg.yaml"),
                dir.resolve("out"), TrainingListener.NONE);
        RunResult run = r.get(0);
        assertEquals(24, run.splitSizes().values().stream().mapToInt(Integer::intValue).sum());
        var split = Specs.json().readTree(dir.resolve("out/real-lgg").resolve(run.runId()).resolve("split.json").toFile());
        Set<String> trainPatients = new HashSet<>();
        split.get("train").forEach(id -> trainPatients.add(id.asText().replaceAll("_\\d+$", "")));
        split.get("test").forEach(id -> assertTrue(!trainPatients.contains(id.asText().replaceAll("_\\d+$", "")),
                "patient of " + id + " is in train and test"));
        assertTrue(run.provenance().datasetFingerprint().matches("[0-9a-f]{64}"));
        assertTrue((Boolean) run.dataLoading().get("cached"));
    }

    @Test
    void ham10000SevenClassesOversampled(@TempDir Path dir) throws Exception {
        SyntheticWriters.writeHam(dir.resolve("ham"), 35, 60, 45);
        List<RunResult> r = ExperimentRunner.run(Specs.parse(spec("ham10000", dir.resolve("ham"),
                "balance: oversample"), "ham.yaml"), null, TrainingListener.NONE);
        RunResult run = r.get(0);
        assertEquals(7, run.networks().get("s1").test().confusion().length);
        int trained = (Integer) run.dataLoading().get("trainImages");
        assertTrue(trained % 7 == 0 && trained >= run.splitSizes().get("train"), "oversampled to equal classes: " + trained);
    }

    @Test
    void ham10000LesionSegmentation(@TempDir Path dir) throws Exception {
        SyntheticWriters.writeHam(dir.resolve("ham"), 28, 60, 45);
        String yaml = spec("ham10000", dir.resolve("ham"), "augmentation: {hflip: true, rotate: 10}")
                .replace("imageSize: 32", "imageSize: 64").replace("name: real-ham10000", "name: real-ham10000\ntask: segmentation");
        RunResult run = ExperimentRunner.run(Specs.parse(yaml, "ham-seg.yaml"), null, TrainingListener.NONE).get(0);
        assertTrue(run.networks().get("ensemble").segmentation() != null);
        assertTrue(run.networks().get("s1").segmentation().tp() + run.networks().get("s1").segmentation().fn() > 0,
                "HAM10000 masks reach the evaluation");
    }

    /** The user's own layouts: class folders with given train/ and test/ (val carved), and masks beside images. */
    @Test
    void imageFolderWithGivenSplitsAndMaskFolderSegmentation(@TempDir Path dir) throws Exception {
        SyntheticLayouts.writeImageFolder(dir.resolve("folder"), 60, true);
        RunResult cls = ExperimentRunner.run(Specs.parse(spec("imagefolder", dir.resolve("folder"), "loaderThreads: 1"),
                "folder.yaml"), null, TrainingListener.NONE).get(0);
        assertEquals(Map.of("train", 44, "val", 4, "test", 12), cls.splitSizes());
        assertEquals(Splitting.OFFICIAL, cls.provenance().split());
        assertEquals("train and test as given; val carved from train: 10 % of each class's groups (seed 0)",
                cls.provenance().splitNote());
        assertEquals(2, cls.networks().get("s1").test().confusion().length);

        SyntheticLayouts.writeMaskFolder(dir.resolve("masks"), 100);
        String seg = spec("maskfolder", dir.resolve("masks"), "trainFraction: 0.5, valFraction: 0.2").replace("name: real-maskfolder",
                "name: real-maskfolder\ntask: segmentation");
        RunResult run = ExperimentRunner.run(Specs.parse(seg, "masks.yaml"), null, TrainingListener.NONE).get(0);
        assertTrue(run.networks().get("s1").segmentation() != null);
        assertEquals(100, run.splitSizes().values().stream().mapToInt(Integer::intValue).sum());
    }

    /** The official splits, each subsampled in proportion, train and are recorded as official. */
    @Test
    void pcamHdf5OfficialSplitsSubset(@TempDir Path dir) throws Exception {
        SyntheticWriters.writePcamH5Splits(dir.resolve("h5"), 60); // 48 train, 6 valid, 6 test
        List<RunResult> r = ExperimentRunner.run(Specs.parse(spec("pcam-h5", dir.resolve("h5"), "samples: 40"),
                "h5.yaml"), dir.resolve("out"), TrainingListener.NONE);
        RunResult run = r.get(0);
        assertEquals(Map.of("train", 32, "val", 4, "test", 4), run.splitSizes());
        assertEquals(Splitting.OFFICIAL, run.provenance().split());
        Path runDir = dir.resolve("out/real-pcam-h5").resolve(run.runId());
        var split = Specs.json().readTree(runDir.resolve("split.json").toFile());
        assertEquals("official", split.get("split").asText());
        for (String[] part : new String[][] {{"train", "train:"}, {"val", "valid:"}, {"test", "test:"}}) {
            split.get(part[0]).forEach(id -> assertTrue(id.asText().startsWith(part[1]),
                    id + " in " + part[0] + " is not from the official " + part[1] + " file"));
        }
        assertEquals("official", Specs.json().readTree(runDir.resolve("result.json").toFile())
                .get("provenance").get("split").asText());
    }
}
