package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LggFolder;
import org.kdml.results.Normalization;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.distill.Adversary;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.SimKdStudent;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Task;
import org.kdml.spec.TrainingSpec;

/**
 * Every existing method trains a tiny student on one fixed batch: its loss falls, its student and
 * its edge module change, and the frozen teacher stays bit for bit what its own phase left.
 */
class MethodsTrainIT {

    @TempDir
    static Path dir;
    static DiskImages scans;

    @BeforeAll
    static void data() throws Exception {
        SyntheticScans.writeLgg(dir.resolve("lgg"), 4, 6, 7);
        scans = new DiskImages(new LggFolder(dir.resolve("lgg"), false), 32, null, false, 2, 1L << 30, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classificationMethods")
    void aClassificationMethodTrainsItsStudentAndLeavesTheTeacherAlone(Knowledge method) {
        String key = method.key();
        // The batch below: SemCKD's embeddings read rows of the batch's B×B similarity matrix.
        TrainingSpec t = new TrainingSpec(null, null, 16, null, null, null, null, null);
        SharingGraph graph = ExperimentSpec.methodVariant(method, t).graph();
        NDManager manager = NDManager.newBaseManager();
        Map<String, DistillNet> nets = NetworkSet.buildSeeded(5, NetworkSet.Plan.of("resnet50-tiny",
                List.of("resnet18-tiny", "resnet18-tiny"), graph, 2, 32).training(t), manager);
        Methods.Built built = NetworkSet.seeded(6, () -> Methods.build(graph, nets, t, TaskLoss.CLASSIFICATION, 32,
                manager));
        Batches batches = Fixtures.batches();
        try (DistillationSession s = new DistillationSession(manager, graph, nets, 2e-3, 0.5,
                TaskLoss.CLASSIFICATION, built); NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = Fixtures.firstBatch(16);
            train(s, batches.images(b, m), batches.labels(b, m), key, built);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("segmentationMethods")
    void aSegmentationMethodTrainsItsStudentAndLeavesTheTeacherAlone(Knowledge method) {
        String key = method.key();
        TrainingSpec t = TrainingSpec.defaults();
        SharingGraph graph = ExperimentSpec.methodVariant(method, t).graph();
        NDManager manager = NDManager.newBaseManager();
        Map<String, DistillNet> nets = NetworkSet.buildSeeded(3, NetworkSet.Plan.of("resnet50-tiny",
                List.of("resnet18-tiny"), graph, 2, 32).task(Task.SEGMENTATION).training(t), manager);
        TaskLoss seg = TaskLoss.segmentation(2.0);
        Methods.Built built = NetworkSet.seeded(4, () -> Methods.build(graph, nets, t, seg, 32, manager));
        List<Integer> all = IntStream.range(0, scans.size()).boxed().toList();
        Batches batches = new Batches(scans, Normalization.fit(scans.imageSize(), scans::image, all));
        try (DistillationSession s = new DistillationSession(manager, graph, nets, 1e-3, 0.5, seg, built);
                NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = all.subList(0, 8);
            float[][] prepared = batches.prepare(b, null);
            train(s, batches.toArray(prepared[0], 8, m), batches.maskArray(prepared[1], 8, m), key, built);
        }
    }

    /** Every classification method of the registry: a new one is trained here without editing a list. */
    static List<Knowledge> classificationMethods() {
        return Knowledge.methods(Task.CLASSIFICATION);
    }

    /** Every segmentation method of the registry. */
    static List<Knowledge> segmentationMethods() {
        return Knowledge.methods(Task.SEGMENTATION);
    }

    private static void train(DistillationSession s, NDArray x, NDArray y, String key, Methods.Built built) {
        for (int i = 0; i < 5; i++) {
            s.teacherStep(x, y);
        }
        s.freezeTeacher();
        DistillNet teacher = s.networks().get(SharingGraph.TEACHER);
        DistillNet student = s.networks().get("s1");
        List<float[]> teacherBefore = Fixtures.weights(teacher);
        List<float[]> studentBefore = Fixtures.weights(student);
        List<float[]> moduleBefore = built.modules().containsKey("s1")
                ? weights(built.modules().get("s1").getParameters()) : List.of();
        Map<String, Double> first = s.jointStep(x, y);
        assertTrue(first.containsKey("s1/" + key + "<-teacher"), "term named after its metric: " + first.keySet());
        double last = first.get("s1/total");
        for (int i = 0; i < 12; i++) {
            Map<String, Double> step = s.jointStep(x, y);
            if (!step.isEmpty()) {
                last = step.get("s1/total");
            }
        }
        assertEquals(Map.of(), s.skippedUpdates(), "skipped updates");
        assertTrue(last < first.get("s1/total") * 0.95, key + ": loss went from " + first + " to " + last);
        List<float[]> teacherAfter = Fixtures.weights(teacher);
        for (int i = 0; i < teacherBefore.size(); i++) {
            assertArrayEquals(teacherBefore.get(i), teacherAfter.get(i), key + ": the frozen teacher changed");
        }
        assertFalse(same(studentBefore, Fixtures.weights(student)), key + ": the student did not train");
        if (!moduleBefore.isEmpty()) {
            assertFalse(same(moduleBefore, weights(built.modules().get("s1").getParameters())),
                    key + ": the edge module did not train");
            assertTrue(s.edgeModuleParameters("s1") > 0);
        }
        for (Adversary a : built.adversaries()) {
            assertTrue(first.containsKey("s1/discriminator"), "the discriminator's loss is logged: " + first.keySet());
            assertTrue(s.edgeModuleParameters("s1") > 0, "the discriminator counts as training-only");
        }
        if (student instanceof SimKdStudent simkd) {
            try (NDManager tmp = NDManager.newBaseManager()) {
                ParameterStore ps = new ParameterStore(tmp, false);
                NDList all = simkd.forwardAll(ps, x, false);
                assertArrayEquals(simkd.forward(ps, new NDList(x), false).get(0).toFloatArray(),
                        all.get(all.size() - 1).toFloatArray(), 1e-6f, "forwardAll's logits are the deployed prediction");
            }
            List<Parameter> mine = simkd.headParameters();
            List<Parameter> theirs = teacher.headParameters();
            for (int i = 0; i < mine.size(); i++) {
                assertArrayEquals(theirs.get(i).getArray().toFloatArray(), mine.get(i).getArray().toFloatArray(),
                        "simkd deploys the teacher's classifier unchanged");
            }
        }
    }

    private static List<float[]> weights(Iterable<Pair<String, Parameter>> params) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : params) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static boolean same(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
