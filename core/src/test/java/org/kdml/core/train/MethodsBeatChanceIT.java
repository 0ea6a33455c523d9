package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.results.RunResult;

/**
 * Every existing method, as its {@code baseline-<key>} variant of a spec, trains a tiny student
 * through {@link RunTrainer} (the teacher's own phase, then the student against the frozen teacher)
 * whose test accuracy or IoU beats chance.
 *
 * <p>Chance for the balanced two-class patches is an accuracy of 0.5; on a test split of 600 images
 * the student must be right where guessing would be at P ≤ 1e-6 ({@link Chance}: at least 359). For
 * the masks (foreground rate p, about 1 % here), an all-background prediction has IoU 0, an
 * all-foreground one IoU p, and a random mask drawn at rate p an expected IoU of
 * p² / (p² + 2p(1 − p)) = p / (2 − p); the bar is ten times the best of these, and at least 0.1,
 * on a test split of about 9 patients (a third of the slices).
 *
 * <p>The methods run with the reference defaults, except DSD's {@code pixelSimilarity}: its term is
 * a mean over the positions of a stride-16 map, 4×4 here, where CIRKD's 1000 was set for 64×128
 * maps (stride 8 of 512×1024 crops); 1000 · 16 / 8192 ≈ 2 keeps its strength (docs/method.md).
 * With 1000 the student's IoU after these 6 epochs is 0.02.
 */
class MethodsBeatChanceIT {

    @TempDir
    static Path dir;
    static ExperimentSpec classification;
    static ExperimentSpec segmentation;
    static DiskImages patches;
    static DiskImages scans;

    @BeforeAll
    static void data() throws Exception {
        classification = Specs.parse(String.join("\n",
                "name: methods-cls",
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 1000, trainFraction: 0.3, valFraction: 0.1}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny]",
                "modes: [kd-off]",
                "versions: [v1]",
                "methods: [" + Knowledge.methodKeys(Task.CLASSIFICATION) + "]",
                "seeds: [3]",
                "training: {epochs: 4, teacherEpochs: 4, batchSize: 32, learningRate: 0.002}",
                ""), "methods-cls.yaml");
        segmentation = Specs.parse(String.join("\n",
                "name: methods-seg",
                "task: segmentation",
                "dataset: {kind: synthetic-scans, root: '" + dir.resolve("gen") + "', samples: 300, imageSize: 64,"
                        + " trainFraction: 0.6, valFraction: 0.1}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny]",
                "modes: [kd-off]",
                "versions: [v1]",
                "methods: [" + Knowledge.methodKeys(Task.SEGMENTATION) + "]",
                "seeds: [3]",
                "training: {epochs: 6, teacherEpochs: 6, batchSize: 8, learningRate: 0.002,",
                "  methods: {dsd: {pixelSimilarity: 2}}}",
                ""), "methods-seg.yaml");
        ExperimentRunner.validate(classification);
        ExperimentRunner.validate(segmentation);
        patches = Datasets.open(classification.dataset(), classification.task());
        scans = Datasets.open(segmentation.dataset(), segmentation.task());
    }

    @AfterAll
    static void close() throws Exception {
        patches.close();
        scans.close();
    }

    private static RunResult train(ExperimentSpec spec, DiskImages data, String key) throws Exception {
        RunSpec run = Specs.runs(spec).stream().filter(r -> r.variant().key().equals(ExperimentSpec.METHOD_PREFIX
                + key)).findFirst().orElseThrow();
        RunResult r = RunTrainer.train(run, data, null, TrainingListener.NONE);
        assertEquals(List.of("teacher", "s1"), List.copyOf(r.networks().keySet()), key + ": one student, no ensemble");
        assertEquals(Map.of(), r.skippedUpdates(), key + ": skipped updates");
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kdml.core.train.MethodsTrainIT#classificationMethods")
    void aClassificationMethodsStudentBeatsChance(Knowledge method) throws Exception {
        String key = method.key();
        RunResult r = train(classification, patches, key);
        Chance.assertAccuracyBeatsChance(r.networks().get("s1").test().accuracy(), 600, 2, key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kdml.core.train.MethodsTrainIT#segmentationMethods")
    void aSegmentationMethodsStudentBeatsChance(Knowledge method) throws Exception {
        String key = method.key();
        RunResult r = train(segmentation, scans, key);
        Chance.assertIouBeatsChance(r.networks().get("s1").segmentation(), key);
    }
}
