package org.kdml.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The feature shapes of every architecture, as a table, so that a spec can be checked without
 * building its networks (and without PyTorch): which architecture keys exist, and whether every
 * feature edge of every variant joins maps of equal shape. The engine's registry must agree with
 * this table; a core test builds every network and compares.
 *
 * <p>Classifiers share their last block's output (stride 32 for every architecture, so only the
 * channels can differ); the teacher gets a 1×1 adapter to the channel count of the students it
 * feeds. U-Nets share their first decoder block's output ({@link Shape#segmentationChannels}
 * channels at stride 16; no adapter).
 */
public final class ArchitectureShapes {

    /**
     * One architecture's feature maps.
     *
     * @param classificationChannels channels of the classifier's last block, before any adapter
     * @param segmentationChannels channels of the U-Net's first decoder block on this encoder
     */
    public record Shape(int classificationChannels, int segmentationChannels) {
        /** Validates. */
        public Shape {
            if (classificationChannels < 1 || segmentationChannels < 1) {
                throw new IllegalArgumentException("channels must be positive, got " + classificationChannels
                        + " and " + segmentationChannels);
            }
        }
    }

    private static final Map<String, Shape> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put("resnet18", new Shape(512, 256));
        TABLE.put("resnet50", new Shape(2048, 256));
        TABLE.put("mobilenet", new Shape(1024, 256));
        TABLE.put("resnet18-tiny", new Shape(128, 64));
        TABLE.put("resnet50-tiny", new Shape(512, 64));
        TABLE.put("mobilenet-tiny", new Shape(256, 64));
    }

    private ArchitectureShapes() {
    }

    /** @return the architecture keys, in the engine's registration order */
    public static Set<String> keys() {
        return TABLE.keySet();
    }

    /**
     * @param field the spec field the key came from, e.g. {@code students[1]}
     * @throws SpecException naming the field, the key and the valid keys
     */
    public static Shape of(String field, String key) {
        Shape s = TABLE.get(key);
        if (s == null) {
            throw new SpecException(field, "unknown architecture '" + key + "'; valid: " + String.join(", ", keys()));
        }
        return s;
    }

    /**
     * The structural check: architecture keys, student count, U-Net input size and the shapes of
     * every feature edge of every variant. Needs neither the engine nor the data.
     *
     * @throws SpecException naming the field that is wrong
     */
    public static void check(ExperimentSpec spec) {
        for (Variant v : spec.variants()) {
            check(spec, v);
        }
    }

    /**
     * The structural check of one variant of {@code spec}.
     *
     * @throws SpecException naming the field that is wrong
     */
    public static void check(ExperimentSpec spec, Variant variant) {
        boolean seg = spec.task() == Task.SEGMENTATION;
        List<String> students = spec.students();
        for (int i = 0; i < students.size(); i++) {
            of("students[" + i + "]", students.get(i));
        }
        SharingGraph graph = variant.graph();
        String graphField = variant.key().equals("custom") ? "sharing" : "students";
        if (graph.teacher() != TeacherTraining.NONE) {
            of("teacher", spec.teacher());
        }
        if (seg && spec.dataset().imageSize() % 32 != 0) {
            throw new SpecException("dataset.imageSize", "U-Nets need a multiple of 32, got "
                    + spec.dataset().imageSize());
        }
        if (students.size() < graph.students()) {
            throw new SpecException("students", "the graph has " + graph.students() + " students, the spec lists "
                    + students.size());
        }
        Map<String, Integer> channels = featureChannels(spec, graph, graphField, seg);
        for (Edge e : graph.edges()) {
            if (e.knowledge() == Knowledge.FEATURES && !channels.get(e.from()).equals(channels.get(e.to()))) {
                throw new SpecException(graphField, "feature edge " + e + " joins " + describe(spec, e.from())
                        + " with " + channels.get(e.from()) + " feature channels and " + describe(spec, e.to())
                        + " with " + channels.get(e.to()) + "; feature edges need equal shapes (only the teacher"
                        + " gets a 1x1 adapter)");
            }
        }
    }

    /**
     * The output channels of the teacher's 1×1 adapter in {@code variant} of {@code spec}, or 0 when
     * its features are used as they are (no adapter: segmentation, the existing methods, students of
     * the teacher's own width). The engine builds the same adapter ({@code NetworkSet}); a core test
     * compares the two on every variant.
     */
    public static int teacherAdapter(ExperimentSpec spec, Variant variant) {
        boolean seg = spec.task() == Task.SEGMENTATION;
        if (seg || variant.graph().teacher() == TeacherTraining.NONE) {
            return 0;
        }
        String graphField = variant.key().equals("custom") ? "sharing" : "students";
        int after = featureChannels(spec, variant.graph(), graphField, false).get(SharingGraph.TEACHER);
        return after == of("teacher", spec.teacher()).classificationChannels() ? 0 : after;
    }

    /** Feature channels of every node of {@code graph}, the teacher's after its adapter. */
    private static Map<String, Integer> featureChannels(ExperimentSpec spec, SharingGraph graph, String graphField,
            boolean seg) {
        Map<String, Integer> out = new LinkedHashMap<>();
        List<String> students = spec.students();
        for (int i = 0; i < students.size(); i++) {
            Shape s = TABLE.get(students.get(i));
            out.put(SharingGraph.student(i + 1), seg ? s.segmentationChannels() : s.classificationChannels());
        }
        if (graph.teacher() == TeacherTraining.NONE) {
            return out;
        }
        Shape teacher = TABLE.get(spec.teacher());
        if (seg) {
            out.put(SharingGraph.TEACHER, teacher.segmentationChannels());
            return out;
        }
        TreeSet<Integer> fed = new TreeSet<>();
        for (Edge e : graph.edges()) {
            if (e.knowledge() == Knowledge.FEATURES && e.from().equals(SharingGraph.TEACHER)) {
                fed.add(out.get(e.to()));
            }
        }
        if (fed.size() > 1) {
            throw new SpecException(graphField, "the teacher shares features with students of different channel "
                    + "counts " + fed + "; its single adapter can match only one");
        }
        boolean methods = graph.edges().stream().anyMatch(e -> e.knowledge().isMethod()
                && e.from().equals(SharingGraph.TEACHER));
        if (fed.isEmpty() && methods) {
            // The existing methods read the teacher's own stages and classifier: no adapter (as NetworkSet).
            out.put(SharingGraph.TEACHER, teacher.classificationChannels());
            return out;
        }
        if (fed.isEmpty()) {
            fed.addAll(out.values());
        }
        out.put(SharingGraph.TEACHER, fed.size() == 1 ? fed.first() : teacher.classificationChannels());
        return out;
    }

    private static String describe(ExperimentSpec spec, String node) {
        return node + " (" + (node.equals(SharingGraph.TEACHER) ? spec.teacher()
                : spec.students().get(Integer.parseInt(node.substring(1)) - 1)) + ")";
    }
}
