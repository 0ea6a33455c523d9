package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.core.distill.Methods;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LggFolder;
import org.kdml.results.Normalization;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Version;
import org.kdml.results.RunResult;

/** Segmentation: the 12 variants train, an end-to-end run beats the all-background baseline, ensembles. */
class SegmentationIT {

    @TempDir
    static Path dir;
    static DiskImages scans;

    @BeforeAll
    static void data() throws Exception {
        SyntheticScans.writeLgg(dir.resolve("lgg"), 4, 6, 7);
        scans = new DiskImages(new LggFolder(dir.resolve("lgg"), false), 32, null, false, 2, 1L << 30, true);
    }

    /**
     * The 12 variants; {@code -Dkdml.repeat=N} runs the mutual-learning ones ({@code ml}, {@code kd-ml})
     * N times each — the loop README reports for the NaN that a collection inside a step used to cause.
     */
    static Stream<Arguments> variants() {
        int repeat = Integer.getInteger("kdml.repeat", 1);
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("kd-off", "kd-on", "ml", "kd-ml")) {
            for (String version : List.of("v1", "v2", "v3")) {
                int n = mode.equals("ml") || mode.equals("kd-ml") ? repeat : 1;
                for (int i = 0; i < n; i++) {
                    out.add(Arguments.of(mode, version));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}-{1}")
    @MethodSource("variants")
    void lossDecreases(String mode, String version) {
        SharingGraph graph = SharingGraph.preset(Mode.of("mode", mode), Version.of("version", version), 2);
        List<Integer> all = IntStream.range(0, scans.size()).boxed().toList();
        Batches batches = new Batches(scans, Normalization.fit(scans.imageSize(), scans::image, all));
        Engine.getInstance().setRandomSeed(3);
        NDManager manager = NDManager.newBaseManager();
        Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of("resnet50-tiny",
                List.of("resnet18-tiny", "resnet18-tiny"), graph, 2, 32).task(Task.SEGMENTATION), manager);
        try (DistillationSession s = new DistillationSession(manager, graph, nets, 1e-3, 0.5,
                TaskLoss.segmentation(2.0), Methods.styles(graph, 2.0, TaskLoss.segmentation(2.0))); NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = all.subList(0, 8);
            float[][] prepared = batches.prepare(b, null);
            NDArray x = batches.toArray(prepared[0], 8, m);
            NDArray y = batches.maskArray(prepared[1], 8, m);
            if (graph.teacher() == TeacherTraining.FROZEN) {
                for (int i = 0; i < 5; i++) {
                    s.teacherStep(x, y);
                }
                s.freezeTeacher();
            }
            Map<String, Double> firstStep = s.jointStep(x, y);
            double first = total(firstStep);
            double last = first;
            Map<String, Double> lastStep = firstStep;
            for (int i = 0; i < 15; i++) {
                Map<String, Double> step = s.jointStep(x, y);
                if (!step.isEmpty()) { // empty: a skipped (non-finite) step, counted by the session
                    lastStep = step;
                    last = total(step);
                }
            }
            assertEquals(Map.of(), s.skippedUpdates(), "skipped updates");
            assertTrue(last < first * 0.95, mode + "-" + version + ": loss went from " + firstStep + " to " + lastStep);
        }
    }

    private static double total(Map<String, Double> metrics) {
        return metrics.entrySet().stream().filter(e -> e.getKey().endsWith("/total")).mapToDouble(Map.Entry::getValue)
                .sum();
    }

    @Test
    void endToEndBeatsTheAllBackgroundBaseline(@TempDir Path out) throws Exception {
        String spec = String.join("\n",
                "name: seg-e2e",
                "task: segmentation",
                "dataset: {kind: synthetic-scans, root: '" + dir.resolve("gen") + "', samples: 300, imageSize: 64,"
                        + " trainFraction: 0.6, valFraction: 0.1}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [kd-ml]",
                "versions: [v3]",
                "training: {epochs: 6, batchSize: 8, learningRate: 0.002}",
                "");
        RunResult r = ExperimentRunner.run(Specs.parse(spec, "seg.yaml"), out, TrainingListener.NONE).get(0);
        assertEquals(List.of("teacher", "s1", "s2", "ensemble", "ensemble-mean"), List.copyOf(r.networks().keySet()));
        // The all-background prediction has IoU 0 whenever the test split holds any tumour pixel.
        assertTrue(r.networks().get("s1").segmentation().tp() + r.networks().get("s1").segmentation().fn() > 0);
        for (var e : r.networks().entrySet()) {
            Chance.assertIouBeatsChance(e.getValue().segmentation(), e.getKey());
        }
        Path png = out.resolve("seg-e2e").resolve(r.runId()).resolve("hardest.png");
        assertTrue(Files.size(png) > 0);
        // Columns: image, truth, teacher, s1, s2, ensemble; 64 px each plus a 4 px gap.
        assertEquals(6 * 68, ImageIO.read(png.toFile()).getWidth());
    }

    @Test
    void unionAndMeanEnsemblesOfHandMadeMasks() {
        // Probabilities as bytes: s1 says pixels 0,1; s2 says pixels 1,2 (weakly on 3).
        Map<String, byte[][]> probs = new LinkedHashMap<>();
        probs.put("s1", new byte[][] {{(byte) 255, (byte) 200, 0, 0}});
        probs.put("s2", new byte[][] {{0, (byte) 255, (byte) 255, (byte) 100}});
        SegmentationEval.Predictions p = new SegmentationEval.Predictions(List.of(0), probs,
                new byte[][] {{1, 1, 0, 0}});
        assertArrayEquals(new byte[] {1, 1, 1, 0}, p.union(0));
        // Means: 127.5, 227.5, 127.5, 50 → ≥ 128 only at pixel 1.
        assertArrayEquals(new byte[] {0, 1, 0, 0}, p.mean(0));
        var m = SegmentationEval.metrics(p);
        assertEquals(2.0 / 3, m.get("ensemble").iou(), 1e-12);
        assertEquals(0.5, m.get("ensemble-mean").iou(), 1e-12);
    }

    @Test
    void segmentationNeedsMasksAndSidesOfMultiplesOf32() {
        String base = "name: x\ntask: segmentation\nstudents: [resnet18-tiny, resnet18-tiny]\nmodes: [ml]\n";
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.validate(Specs.parse(
                base + "dataset: {kind: synthetic-patches}\n", "x.yaml")));
        assertEquals("dataset.kind: segmentation needs masks; synthetic-patches has none; valid: synthetic-scans, "
                + "lgg, ham10000, maskfolder", e.getMessage());
        SpecException e2 = assertThrows(SpecException.class, () -> ExperimentRunner.validate(Specs.parse(
                base + "dataset: {kind: synthetic-scans, imageSize: 48}\n", "x.yaml")));
        assertEquals("dataset.imageSize: U-Nets need a multiple of 32, got 48", e2.getMessage());
    }
}
