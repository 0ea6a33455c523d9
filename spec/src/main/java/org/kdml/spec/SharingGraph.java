package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A declarative sharing graph: a teacher (or none), {@code n} students, and the edges along which
 * knowledge travels. The 12 named variants of the paper are presets ({@link #preset}); any other
 * graph can be written out edge by edge.
 *
 * @param students the number of students (nodes {@code s1..sN})
 * @param teacher how the teacher is trained; {@link TeacherTraining#NONE} means no teacher node
 * @param edges the edges; every node they name must exist
 * @param taskWeight null for kdml's blend {@code (1-α)·task + α·Σ w·term}; otherwise each
 *     learner's loss is {@code taskWeight·task + Σ w·term}, the form the existing methods'
 *     reference implementations use (1, or 0 for SimKD, which drops the task loss)
 */
public record SharingGraph(int students, TeacherTraining teacher, List<Edge> edges,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double taskWeight) {

    /** The teacher's node name. */
    public static final String TEACHER = "teacher";

    /** The node name of the students' ensemble (the mean of their probabilities) in results. */
    public static final String ENSEMBLE = "ensemble";

    /** Validates the graph. */
    public SharingGraph {
        SpecException.check(students >= 1, "students", "at least one student is needed, got " + students);
        SpecException.check(teacher != null, "teacher", "teacher training is required");
        SpecException.check(edges != null, "sharing", "edges are required");
        edges = List.copyOf(edges);
        SpecException.check(taskWeight == null || (Double.isFinite(taskWeight) && taskWeight >= 0), "taskWeight",
                "must be a finite number >= 0, got " + taskWeight);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < edges.size(); i++) {
            Edge e = edges.get(i);
            for (String node : List.of(e.from(), e.to())) {
                if (node.equals(TEACHER)) {
                    SpecException.check(teacher != TeacherTraining.NONE, "sharing[" + i + "]",
                            "edge " + e + " names the teacher, but this run has no teacher");
                } else {
                    int s = studentIndex(node);
                    SpecException.check(s <= students, "sharing[" + i + "]",
                            "edge " + e + " names " + node + ", but there are only " + students + " students");
                }
            }
            SpecException.check(seen.add(e.from() + "->" + e.to() + ":" + e.knowledge()),
                    "sharing[" + i + "]", "duplicate edge " + e);
        }
    }

    /**
     * The named variant {@code mode × version} for {@code n} students, exactly as docs/method.md,
     * "Sharing graph: modes × versions".
     *
     * <p>For more than two students the pattern generalises: odd students learn in the
     * "predictions" style and even students in the "features" style; in V3 a KD or ML edge carries
     * the learner's style, and in KD+ML the teacher edge carries the other style while peer edges
     * carry the learner's own. ML edges connect every ordered pair of students.
     *
     * @param mode the distillation mode
     * @param version the sharing version
     * @param n the number of students
     * @return the graph
     */
    public static SharingGraph preset(Mode mode, Version version, int n) {
        SpecException.check(n >= (mode.fromPeers() ? 2 : 1), "students",
                "mode " + mode.key() + " needs at least " + (mode.fromPeers() ? 2 : 1)
                        + " students, got " + n);
        List<Edge> edges = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String to = student(i);
            Knowledge style = (i % 2 == 1) ? Knowledge.PREDICTIONS : Knowledge.FEATURES;
            if (mode.fromTeacher()) {
                Knowledge k = switch (version) {
                    case V1 -> Knowledge.PREDICTIONS;
                    case V2 -> Knowledge.FEATURES;
                    case V3 -> mode.fromPeers() ? style.other() : style;
                };
                edges.add(Edge.of(TEACHER, to, k));
            }
            if (mode.fromPeers()) {
                for (int j = 1; j <= n; j++) {
                    if (j != i) {
                        Knowledge k = switch (version) {
                            case V1 -> Knowledge.PREDICTIONS;
                            case V2 -> Knowledge.FEATURES;
                            case V3 -> style;
                        };
                        edges.add(Edge.of(student(j), to, k));
                    }
                }
            }
        }
        return new SharingGraph(n, mode.defaultTeacher(), edges);
    }

    /** A graph in kdml's blend form (no {@code taskWeight}). */
    public SharingGraph(int students, TeacherTraining teacher, List<Edge> edges) {
        this(students, teacher, edges, null);
    }

    /** @return the same graph with another teacher training (for KD+ML with a frozen teacher) */
    public SharingGraph withTeacher(TeacherTraining training) {
        return new SharingGraph(students, training, edges, taskWeight);
    }

    /** @return the edges that point at {@code node}, in order */
    public List<Edge> edgesInto(String node) {
        return edges.stream().filter(e -> e.to().equals(node)).toList();
    }

    /** @return node names: the teacher (if any) then {@code s1..sN} */
    public List<String> nodes() {
        List<String> nodes = new ArrayList<>();
        if (teacher != TeacherTraining.NONE) {
            nodes.add(TEACHER);
        }
        for (int i = 1; i <= students; i++) {
            nodes.add(student(i));
        }
        return nodes;
    }

    /** @return the node name of the {@code i}-th student (1-based), e.g. {@code s1} */
    public static String student(int i) {
        return "s" + i;
    }

    static boolean isNode(String name) {
        return name.equals(TEACHER) || studentIndex(name) > 0;
    }

    /** @return whether {@code name} is a student's node name ({@code s1}, {@code s2}, …), the one test of it */
    public static boolean isStudent(String name) {
        return name != null && studentIndex(name) > 0;
    }

    /** @return the 1-based index of student node {@code name} ({@code s2} → 2), or -1 when it is not one */
    public static int studentIndex(String name) {
        if (name.length() < 2 || name.charAt(0) != 's') {
            return -1;
        }
        try {
            int i = Integer.parseInt(name.substring(1));
            return i >= 1 && name.equals("s" + i) ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
