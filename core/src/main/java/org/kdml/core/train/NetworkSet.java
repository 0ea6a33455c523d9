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
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;
import org.kdml.spec.Variant;

/**
 * Builds and initialises the networks of one run, by node name, and checks that every feature
 * edge joins maps of equal shape. The teacher gets a 1×1 adapter when its channel count differs
 * from the students' (2048→512 for ResNet-18 students, 2048→1024 for MobileNet).
 */
public final class NetworkSet {

    private NetworkSet() {
    }

    /**
     * What to build: the networks of one run.
     *
     * @param task classification, or segmentation (U-Nets on the same encoder keys)
     * @param teacher the teacher's architecture key (ignored when the graph has no teacher)
     * @param students the students' architecture keys, {@code s1} first; a graph with fewer
     *     students (a methods variant) takes the first
     * @param graph the sharing graph
     * @param graphField the spec field that defines the edges, for errors ({@code students} or {@code sharing})
     * @param classes number of classes
     * @param imageSize input side in pixels
     * @param training the training spec (SimKD's projector width, from {@code training.methods.simkd})
     */
    public record Plan(Task task, String teacher, List<String> students, SharingGraph graph, String graphField,
            int classes, int imageSize, TrainingSpec training) {

        /** Requires a task, students, a graph, a field name and a training spec. */
        public Plan {
            if (task == null || students == null || graph == null || graphField == null || training == null) {
                throw new IllegalArgumentException("task, students, graph, graphField and training are required");
            }
            students = List.copyOf(students);
        }

        /** A classification plan with the default training spec, its edges from {@code students}. */
        public static Plan of(String teacher, List<String> students, SharingGraph graph, int classes, int imageSize) {
            return new Plan(Task.CLASSIFICATION, teacher, students, graph, "students", classes, imageSize,
                    TrainingSpec.defaults());
        }

        /** The plan of {@code variant} of {@code spec}: its task, networks, graph and training spec. */
        public static Plan of(ExperimentSpec spec, Variant variant, int classes, int imageSize) {
            return new Plan(spec.task(), spec.teacher(), spec.students(), variant.graph(),
                    variant.key().equals("custom") ? "sharing" : "students", classes, imageSize, spec.training());
        }

        /** @return this plan for {@code t} */
        public Plan task(Task t) {
            return new Plan(t, teacher, students, graph, graphField, classes, imageSize, training);
        }

        /** @return this plan with the edges named by spec field {@code field} in errors */
        public Plan graphField(String field) {
            return new Plan(task, teacher, students, graph, field, classes, imageSize, training);
        }

        /** @return this plan with training spec {@code t} */
        public Plan training(TrainingSpec t) {
            return new Plan(task, teacher, students, graph, graphField, classes, imageSize, t);
        }
    }

    /**
     * Builds, initialises and checks the networks of {@code plan}: classifiers, or for
     * segmentation U-Nets with one output channel (binary masks) whose shared feature is the first
     * decoder block's output (no adapter; unequal shapes are rejected). A student taught by SimKD
     * is a {@link SimKdStudent}.
     *
     * @param manager where the parameters live
     * @return networks by node name, teacher first
     */
    public static Map<String, DistillNet> build(Plan plan, NDManager manager) {
        synchronized (INIT_LOCK) {
            return buildUnlocked(plan, manager);
        }
    }

    /**
     * Seeds the engine and builds, as one step that no other thread's initialisation can
     * interleave with: PyTorch's generator is global to the process, so a network initialised
     * concurrently (by an evaluator or analyzer in the same JVM) would otherwise shift this run's
     * initial weights.
     */
    public static Map<String, DistillNet> buildSeeded(long seed, Plan plan, NDManager manager) {
        synchronized (INIT_LOCK) {
            seedEngine(seed);
            return buildUnlocked(plan, manager);
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

    private static Map<String, DistillNet> buildUnlocked(Plan plan, NDManager manager) {
        Task task = plan.task();
        String teacherKey = plan.teacher();
        List<String> studentKeys = plan.students();
        SharingGraph graph = plan.graph();
        String graphField = plan.graphField();
        int classes = plan.classes();
        int imageSize = plan.imageSize();
        TrainingSpec training = plan.training();
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
