package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.loss.Terms;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;
import org.kdml.spec.Version;

class GradientIsolationTest {

    @Test
    void aFrozenKdOffTeacherIsBitIdenticalAfterStudentTraining() {
        SharingGraph graph = SharingGraph.preset(Mode.KD_OFF, Version.V3, 2);
        Batches batches = Fixtures.batches();
        try (DistillationSession s = Fixtures.session(graph, 7); NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = Fixtures.firstBatch(16);
            s.teacherStep(batches.images(b, m), batches.labels(b, m));
            s.freezeTeacher();
            assertEquals(List.of("s1", "s2"), s.trainableNodes());
            List<float[]> teacherBefore = Fixtures.weights(s.networks().get("teacher"));
            List<float[]> studentBefore = Fixtures.weights(s.networks().get("s1"));
            for (int i = 0; i < 3; i++) {
                Map<String, Double> metrics = s.jointStep(batches.images(b, m), batches.labels(b, m));
                assertFalse(metrics.containsKey("teacher/total"), metrics.toString());
            }
            List<float[]> teacherAfter = Fixtures.weights(s.networks().get("teacher"));
            for (int i = 0; i < teacherBefore.size(); i++) {
                assertArrayEquals(teacherBefore.get(i), teacherAfter.get(i), 0f, "teacher parameter " + i + " moved");
            }
            List<float[]> studentAfter = Fixtures.weights(s.networks().get("s1"));
            boolean moved = false;
            for (int i = 0; i < studentBefore.size(); i++) {
                moved |= !Arrays.equals(studentBefore.get(i), studentAfter.get(i));
            }
            assertTrue(moved, "the student should have learned");
        }
    }

    @Test
    void inMutualLearningStudentTwosTermDoesNotMoveStudentOne() {
        SharingGraph graph = SharingGraph.preset(Mode.ML, Version.V1, 2);
        Batches batches = Fixtures.batches();
        try (DistillationSession s = Fixtures.session(graph, 3); NDManager m = NDManager.newBaseManager()) {
            DistillNet s1 = s.networks().get("s1");
            DistillNet s2 = s.networks().get("s2");
            List<Integer> b = Fixtures.firstBatch(8);
            NDArray x = batches.images(b, m);
            NDArray y = batches.labels(b, m);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<String, NDList> out = new HashMap<>();
                out.put("s1", s1.forward(ps, new NDList(x), true));
                out.put("s2", s2.forward(ps, new NDList(x), true));
                NodeLoss lossOfS2 = new NodeLoss("s2", graph.edgesInto("s2"), 1.0, 2.0);
                gc.backward(lossOfS2.compute(out, y).get("total"));
            }
            assertEquals(0.0, Fixtures.gradientMass(s1), "s2's peer term leaked a gradient into s1");
            assertTrue(Fixtures.gradientMass(s2) > 0);
        }
    }

    /**
     * One backward pass over the sum of all losses gives the jointly trained teacher exactly the
     * gradient of its own task loss: the students' terms that read it are detached.
     */
    @Test
    void aJointTeacherGetsOnlyItsOwnTaskGradient() {
        SharingGraph graph = SharingGraph.preset(Mode.KD_ML, Version.V2, 2);
        Batches batches = Fixtures.batches();
        try (DistillationSession s = Fixtures.session(graph, 5); NDManager m = NDManager.newBaseManager()) {
            DistillNet teacher = s.networks().get("teacher");
            List<Integer> b = Fixtures.firstBatch(8);
            NDArray x = batches.images(b, m);
            NDArray y = batches.labels(b, m);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray z = teacher.forward(ps, new NDList(x), true).get(0);
                gc.backward(Terms.crossEntropy(z, y));
            }
            List<float[]> own = gradients(teacher);
            Fixtures.zeroGradients(teacher);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<String, NDList> out = new HashMap<>();
                for (String node : graph.nodes()) {
                    out.put(node, s.networks().get(node).forward(ps, new NDList(x), true));
                }
                NDArray sum = null;
                for (String node : graph.nodes()) {
                    NDArray total = new NodeLoss(node, graph.edgesInto(node), 0.5, 2.0).compute(out, y).get("total");
                    sum = sum == null ? total : sum.add(total);
                }
                gc.backward(sum);
            }
            List<float[]> joint = gradients(teacher);
            for (int i = 0; i < own.size(); i++) {
                assertArrayEquals(own.get(i), joint.get(i), 1e-6f, "teacher gradient " + i);
            }
        }
    }

    @Test
    void aNonFiniteLossSkipsTheStepAndLeavesWeightsAlone() {
        SharingGraph graph = SharingGraph.preset(Mode.ML, Version.V1, 2);
        Batches batches = Fixtures.batches();
        try (DistillationSession s = Fixtures.session(graph, 9); NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = Fixtures.firstBatch(8);
            NDArray x = batches.images(b, m);
            x.set(new NDIndex("0, 0, 0, 0"), Float.NaN);
            List<float[]> before = Fixtures.weights(s.networks().get("s1"));
            assertEquals(Map.of(), s.jointStep(x, batches.labels(b, m)));
            assertEquals(Map.of("s1", 1, "s2", 1), s.skippedUpdates());
            List<float[]> after = Fixtures.weights(s.networks().get("s1"));
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), 0f);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                for (int i = 0; i < DistillationSession.MAX_SKIPPED_IN_A_ROW; i++) {
                    s.jointStep(x, batches.labels(b, m));
                }
            });
            assertTrue(e.getMessage().startsWith("training diverged: s1 had a non-finite loss or gradients in 20 steps"),
                    e.getMessage());
        }
    }

    private static List<float[]> gradients(DistillNet net) {
        List<float[]> out = new ArrayList<>();
        for (var p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    out.add(g.toFloatArray());
                }
            }
        }
        return out;
    }

    /**
     * Every existing method's term, on an edge from a teacher that is itself trainable: back-
     * propagating the term alone gives the teacher no gradient (its stages, features and logits are
     * detached), the student one, and the edge module (FitNets', VID's) one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("classificationMethodsOnATrainableTeacher")
    void anExistingMethodsTermGivesTheTeacherNoGradient(Knowledge k) {
        String key = k.key();
        SharingGraph graph = new SharingGraph(1, TeacherTraining.JOINT, List.of(Edge.of("teacher", "s1", k)));
        TrainingSpec t = TrainingSpec.defaults();
        Batches batches = Fixtures.batches();
        try (NDManager manager = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Map<String, DistillNet> nets = NetworkSet.buildSeeded(9, NetworkSet.Plan.of("resnet50-tiny",
                    List.of("resnet18-tiny"), graph, 2, 32).graphField("sharing").training(t), manager);
            Methods.Built built = Methods.build(graph, nets, t, TaskLoss.CLASSIFICATION, 32, manager);
            List<Integer> b = Fixtures.firstBatch(8);
            NDArray x = batches.images(b, m);
            NDArray y = batches.labels(b, m);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<String, NDList> out = new HashMap<>();
                out.put("teacher", nets.get("teacher").forward(ps, new NDList(x), true));
                out.put("s1", nets.get("s1").forward(ps, new NDList(x), true));
                gc.backward(built.terms().get("s1").get(0).compute(out, y, ps, true));
            }
            assertEquals(0.0, Fixtures.gradientMass(nets.get("teacher")), key + " leaked a gradient into the teacher");
            assertTrue(Fixtures.gradientMass(nets.get("s1")) > 0, key + ": no gradient reached the student");
            if (built.modules().containsKey("s1")) {
                double mass = 0;
                for (Pair<String, Parameter> p : built.modules().get("s1").getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        try (NDArray g = p.getValue().getArray().getGradient()) {
                            mass += g.abs().sum().getFloat();
                        }
                    }
                }
                assertTrue(mass > 0, key + ": no gradient reached the edge module");
            }
        }
    }

    /**
     * The segmentation methods' terms on an edge from a jointly trained U-Net teacher, on random
     * images and masks: the teacher gets no gradient from the term, the student one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("segmentationMethods")
    void aSegmentationMethodsTermGivesTheTeacherNoGradient(Knowledge k) {
        String key = k.key();
        SharingGraph graph = new SharingGraph(1, TeacherTraining.JOINT, List.of(Edge.of("teacher", "s1", k)));
        TrainingSpec t = TrainingSpec.defaults();
        try (NDManager manager = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Map<String, DistillNet> nets = NetworkSet.buildSeeded(9, NetworkSet.Plan.of("resnet50-tiny",
                    List.of("resnet18-tiny"), graph, 2, 32).task(Task.SEGMENTATION).graphField("sharing").training(t),
                    manager);
            Methods.Built built = Methods.build(graph, nets, t, TaskLoss.segmentation(2.0), 32, manager);
            m.getEngine().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(4, 3, 32, 32));
            NDArray y = m.randomUniform(0, 1, new Shape(4, 1, 32, 32)).gt(0.7).toType(DataType.FLOAT32, false);
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<String, NDList> out = new HashMap<>();
                out.put("teacher", nets.get("teacher").forward(ps, new NDList(x), true));
                out.put("s1", nets.get("s1").forward(ps, new NDList(x), true));
                gc.backward(built.terms().get("s1").get(0).compute(out, y, ps, true));
            }
            assertEquals(0.0, Fixtures.gradientMass(nets.get("teacher")), key + " leaked a gradient into the teacher");
            assertTrue(Fixtures.gradientMass(nets.get("s1")) > 0, key + ": no gradient reached the student");
        }
    }

    /** SRRL and SimKD reuse the teacher's classifier: a teacher that still trains is refused, naming the edge. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("classifierReusingMethods")
    void aClassifierReusingMethodNeedsAFrozenTeacher(Knowledge k) {
        String key = k.key();
        SharingGraph graph = new SharingGraph(1, TeacherTraining.JOINT, List.of(Edge.of("teacher", "s1", k)));
        TrainingSpec t = TrainingSpec.defaults();
        try (NDManager manager = NDManager.newBaseManager()) {
            SpecException e = assertThrows(SpecException.class, () -> Methods.build(graph, NetworkSet.build(
                    NetworkSet.Plan.of("resnet50-tiny", List.of("resnet18-tiny"), graph, 2, 32).graphField("sharing")
                            .training(t), manager), t, TaskLoss.CLASSIFICATION, 32, manager));
            assertTrue(e.getMessage().contains("training.teacherTraining") && e.getMessage().contains(
                    "teacher->s1:" + key), e.getMessage());
        }
    }

    /** The registry's classification methods that a trainable teacher may teach (all but SRRL and SimKD). */
    static List<Knowledge> classificationMethodsOnATrainableTeacher() {
        return Knowledge.methods(Task.CLASSIFICATION).stream().filter(k -> !k.reusesTeacherClassifier()).toList();
    }

    /** The registry's segmentation methods. */
    static List<Knowledge> segmentationMethods() {
        return Knowledge.methods(Task.SEGMENTATION);
    }

    /** The registry's methods that reuse the teacher's classifier. */
    static List<Knowledge> classifierReusingMethods() {
        return Knowledge.methods(null).stream().filter(Knowledge::reusesTeacherClassifier).toList();
    }
}
