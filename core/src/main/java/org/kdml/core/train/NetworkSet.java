package org.kdml.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.Architectures.Architecture;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.KdNetwork;
import org.kdml.core.model.SimKdStudent;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;

/**
 * Builds and initialises the networks of one run, by node name, and checks that every feature
 * edge joins maps of equal shape. The teacher gets a 1×1 adapter when its channel count differs
 * from the students' (2048→512 for ResNet-18 students, 2048→1024 for MobileNet).
 */
public final class NetworkSet {

    private NetworkSet() {
    }

    /**
     * Builds, initialises and checks the networks.
     *
     * @param teacherKey the teacher's architecture key (ignored when the graph has no teacher)
     * @param studentKeys the students' architecture keys, {@code s1} first
     * @param graph the sharing graph
     * @param graphField the spec field that defines the edges, for errors ({@code modes} or {@code sharing})
     * @param classes number of classes
     * @param imageSize input side in pixels
     * @param manager where the parameters live
     * @return networks by node name, teacher first
     */
    public static Map<String, DistillNet> build(String teacherKey, List<String> studentKeys, SharingGraph graph,
            String graphField, int classes, int imageSize, NDManager manager) {
        return build(Task.CLASSIFICATION, teacherKey, studentKeys, graph, graphField, classes, imageSize, manager);
    }

    /**
     * Builds the networks of a run for {@code task}: classifiers, or for {@code segmentation}
     * U-Nets with one output channel (binary masks) on the same encoder keys, whose shared
     * feature is the first decoder block's output (no adapter; unequal shapes are rejected).
     */
    public static Map<String, DistillNet> build(Task task, String teacherKey, List<String> studentKeys,
            SharingGraph graph, String graphField, int classes, int imageSize, NDManager manager) {
        return build(task, teacherKey, studentKeys, graph, graphField, classes, imageSize, TrainingSpec.defaults(),
                manager);
    }

    /**
     * Builds the networks of a run whose edges may carry existing methods: a student taught by
     * SimKD is a {@link SimKdStudent} (its projector's width from {@code training.methods.simkd}).
     * A graph with fewer students than {@code studentKeys} (a methods variant) takes the first.
     */
    public static Map<String, DistillNet> build(Task task, String teacherKey, List<String> studentKeys,
            SharingGraph graph, String graphField, int classes, int imageSize, TrainingSpec training,
            NDManager manager) {
        synchronized (INIT_LOCK) {
            return buildUnlocked(task, teacherKey, studentKeys, graph, graphField, classes, imageSize, training,
                    manager);
        }
    }

    /**
     * Seeds the engine and builds, as one step that no other thread's initialisation can
     * interleave with: PyTorch's generator is global to the process, so a network initialised
     * concurrently (by an evaluator or analyzer in the same JVM) would otherwise shift this run's
     * initial weights.
     */
    public static Map<String, DistillNet> buildSeeded(long seed, Task task, String teacherKey,
            List<String> studentKeys, SharingGraph graph, String graphField, int classes, int imageSize,
            NDManager manager) {
        return buildSeeded(seed, task, teacherKey, studentKeys, graph, graphField, classes, imageSize,
                TrainingSpec.defaults(), manager);
    }

    /** {@link #buildSeeded} for a run whose edges may carry existing methods (see {@link #build}). */
    public static Map<String, DistillNet> buildSeeded(long seed, Task task, String teacherKey,
            List<String> studentKeys, SharingGraph graph, String graphField, int classes, int imageSize,
            TrainingSpec training, NDManager manager) {
        synchronized (INIT_LOCK) {
            seedEngine(seed);
            return buildUnlocked(task, teacherKey, studentKeys, graph, graphField, classes, imageSize, training,
                    manager);
        }
    }

    /**
     * Runs {@code init} seeded with {@code seed}, as one step no other thread's initialisation can
     * interleave with (the edge modules of a run, say).
     */
    public static <T> T seeded(long seed, Supplier<T> init) {
        synchronized (INIT_LOCK) {
            seedEngine(seed);
            return init.get();
        }
    }

    /**
     * Seeds libtorch's generator with all 64 bits of {@code seed} (DJL's {@code setRandomSeed} takes
     * an int: seeds 2³² apart would give the same weights), and DJL's own generator with their hash.
     */
    public static void seedEngine(long seed) {
        Engine.getInstance().setRandomSeed(Long.hashCode(seed));
        JniUtils.setSeed(seed);
    }

    /** Serialises every initialisation in the process (see {@link #buildSeeded}). */
    private static final Object INIT_LOCK = new Object();

    private static Map<String, DistillNet> buildUnlocked(Task task, String teacherKey, List<String> studentKeys,
            SharingGraph graph, String graphField, int classes, int imageSize, TrainingSpec training,
            NDManager manager) {
        boolean seg = task == Task.SEGMENTATION;
        if (seg && imageSize % 32 != 0) {
            throw new SpecException("dataset.imageSize", "U-Nets need a multiple of 32, got " + imageSize);
        }
        if (studentKeys.size() < graph.students()) {
            throw new SpecException("students", "the graph has " + graph.students() + " students, the spec lists "
                    + studentKeys.size());
        }
        studentKeys = studentKeys.subList(0, graph.students());
        Map<String, DistillNet> nets = new LinkedHashMap<>();
        Architecture[] students = new Architecture[studentKeys.size()];
        for (int i = 0; i < students.length; i++) {
            students[i] = Architectures.of("students[" + i + "]", studentKeys.get(i));
        }
        if (graph.teacher() != TeacherTraining.NONE) {
            Architecture teacher = Architectures.of("teacher", teacherKey);
            nets.put(SharingGraph.TEACHER, seg ? Architectures.unet("teacher", teacherKey, 1)
                    : teacher.factory().create(classes, adapterChannels(teacher, students, graph, graphField)));
        }
        for (int i = 0; i < students.length; i++) {
            String node = SharingGraph.student(i + 1);
            DistillNet net = seg ? Architectures.unet("students[" + i + "]", studentKeys.get(i), 1)
                    : students[i].create(classes);
            boolean simkd = graph.edgesInto(node).stream().anyMatch(e -> e.knowledge() == Knowledge.SIMKD);
            if (simkd) {
                if (seg || !(nets.get(SharingGraph.TEACHER) instanceof KdNetwork teacher)) {
                    throw new SpecException(graphField, "simkd teaches a classification student from the teacher");
                }
                int factor = (int) Math.round(training.methodParams(Knowledge.SIMKD).get("factor"));
                net = new SimKdStudent((KdNetwork) net, teacher.headChannels(), classes, factor);
            }
            nets.put(node, net);
        }
        Shape input = new Shape(1, 3, imageSize, imageSize);
        for (DistillNet net : nets.values()) {
            net.initialize(manager, DataType.FLOAT32, input);
        }
        for (Edge e : graph.edges()) {
            if (e.knowledge() == Knowledge.FEATURES) {
                Shape a = nets.get(e.from()).getOutputShapes(new Shape[] {input})[1];
                Shape b = nets.get(e.to()).getOutputShapes(new Shape[] {input})[1];
                if (!a.equals(b)) {
                    throw new SpecException(graphField, "feature edge " + e + " joins " + describe(nets, e.from())
                            + " with feature " + a + " and " + describe(nets, e.to()) + " with feature " + b
                            + "; feature edges need equal shapes (only the teacher gets a 1x1 adapter)");
                }
            }
        }
        return nets;
    }

    private static String describe(Map<String, DistillNet> nets, String node) {
        return node + " (" + nets.get(node).architecture() + ")";
    }

    private static int adapterChannels(Architecture teacher, Architecture[] students, SharingGraph graph,
            String graphField) {
        TreeSet<Integer> fed = new TreeSet<>();
        for (Edge e : graph.edges()) {
            if (e.knowledge() == Knowledge.FEATURES && e.from().equals(SharingGraph.TEACHER)) {
                fed.add(students[Integer.parseInt(e.to().substring(1)) - 1].featureChannels());
            }
        }
        if (fed.size() > 1) {
            throw new SpecException(graphField, "the teacher shares features with students of different channel "
                    + "counts " + fed + "; its single adapter can match only one");
        }
        boolean methods = graph.edges().stream().anyMatch(e -> e.knowledge().isMethod()
                && e.from().equals(SharingGraph.TEACHER));
        if (fed.isEmpty() && methods) {
            // The existing methods read the teacher's own stages and classifier: no adapter.
            return 0;
        }
        if (fed.isEmpty()) {
            for (Architecture s : students) {
                fed.add(s.featureChannels());
            }
        }
        int target = fed.size() == 1 ? fed.first() : 0;
        return target == teacher.featureChannels() ? 0 : target;
    }
}
