package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.core.distill.Methods;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.LggFolder;
import org.kdml.results.Normalization;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Churn;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Version;

/**
 * The real training step gives bit-identical weights whether or not the garbage collector runs,
 * and reuses freed memory, between the forward pass and backward: for the 12 presets and a custom
 * three-student graph, for classification and segmentation (a focal γ below 1 included).
 */
class CollectorIndependenceIT {

    @TempDir
    static Path dir;
    static LabeledImages scans;

    @BeforeAll
    static void data() throws Exception {
        SyntheticScans.writeLgg(dir.resolve("lgg"), 3, 4, 11);
        scans = new DiskImages(new LggFolder(dir.resolve("lgg"), false), 32, null, false, 2, 1L << 30, true);
    }

    static Stream<Arguments> graphs() {
        List<Arguments> out = new ArrayList<>();
        for (String task : List.of("classification", "segmentation")) {
            for (Mode mode : Mode.values()) {
                for (Version version : Version.values()) {
                    out.add(Arguments.of(task, mode.key() + "-" + version.key(), SharingGraph.preset(mode, version, 2)));
                }
            }
            out.add(Arguments.of(task, "custom", new SharingGraph(3, TeacherTraining.JOINT, List.of(
                    new Edge(SharingGraph.TEACHER, "s1", Knowledge.PREDICTIONS, 0.7),
                    new Edge("s3", "s2", Knowledge.FEATURES, 1.5),
                    new Edge("s1", "s3", Knowledge.PREDICTIONS, 0.3),
                    new Edge(SharingGraph.TEACHER, "s3", Knowledge.FEATURES, 1.0)))));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("graphs")
    void weightsDoNotDependOnCollections(String task, String name, SharingGraph graph) {
        List<float[]> quiet = train(task, graph, false);
        List<float[]> churned = train(task, graph, true);
        assertEquals(quiet.size(), churned.size());
        for (int i = 0; i < quiet.size(); i++) {
            assertArrayEquals(quiet.get(i), churned.get(i), task + " " + name + ": array " + i
                    + " differs after collections between forward and backward");
        }
    }

    /** Three steps (KD off: one teacher step, then two joint steps); every array of every network after them. */
    private static List<float[]> train(String task, SharingGraph graph, boolean churn) {
        boolean seg = task.equals("segmentation");
        LabeledImages data = seg ? scans : Fixtures.DATA;
        List<Integer> all = IntStream.range(0, data.size()).boxed().toList();
        Batches batches = new Batches(data, Normalization.fit(data.imageSize(), data::image, all));
        NDManager manager = NDManager.newBaseManager();
        List<String> students = new ArrayList<>();
        for (int i = 0; i < graph.students(); i++) {
            students.add("resnet18-tiny");
        }
        Map<String, DistillNet> nets = NetworkSet.buildSeeded(21, NetworkSet.Plan.of("resnet50-tiny", students, graph, 2, 32)
                .task(Task.of("task", task)), manager);
        TaskLoss loss = seg ? TaskLoss.segmentation(0.5) : TaskLoss.CLASSIFICATION;
        try (DistillationSession s = new DistillationSession(manager, graph, nets, 1e-2, 0.5, loss,
                Methods.styles(graph, 2.0, loss));
                NDManager m = NDManager.newBaseManager()) {
            if (churn) {
                s.beforeBackward(Churn::collectAndReuse);
            }
            List<Integer> b = all.subList(0, 8);
            float[][] prepared = batches.prepare(b, null);
            NDArray x = batches.toArray(prepared[0], b.size(), m);
            NDArray y = seg ? batches.maskArray(prepared[1], b.size(), m) : batches.labels(b, m);
            if (graph.teacher() == TeacherTraining.FROZEN) {
                s.teacherStep(x, y);
                s.freezeTeacher();
            }
            s.jointStep(x, y);
            s.jointStep(x, y);
            assertEquals(Map.of(), s.skippedUpdates(), "skipped steps");
            List<float[]> out = new ArrayList<>();
            for (DistillNet net : s.networks().values()) {
                out.addAll(Fixtures.weights(net));
            }
            return out;
        }
    }
}
