package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * An experiment: a teacher, students, the variants to compare (modes × versions, or one custom
 * sharing graph), seeds and hyper-parameters. Pure data, read from YAML or JSON by {@link Specs}.
 *
 * @param name experiment name: lower-case letters, digits, {@code . _ -}
 * @param task {@link Task#CLASSIFICATION} (default) or {@link Task#SEGMENTATION} (U-Nets on the same
 *     encoders); an unknown key fails naming {@code task} and the valid keys
 * @param dataset the data
 * @param teacher the teacher's architecture key, e.g. {@code resnet50}; may be omitted when every
 *     mode is {@code ml}
 * @param students the students' architecture keys, e.g. {@code [resnet18, resnet18]}
 * @param modes distillation modes to run (default {@code [kd-ml]})
 * @param versions sharing versions to run (default {@code [v3]})
 * @param sharing a custom sharing graph's edges, instead of modes × versions
 * @param seeds one run per seed and variant (default {@code [1]})
 * @param training hyper-parameters
 * @param weights optional initial weights by node ({@code teacher}, {@code s1}, …): paths of local
 *     {@code .npz} files holding a torchvision {@code state_dict} (see core's {@code PretrainedWeights})
 * @param baseline when true, one more variant, {@code baseline}: the teacher and every student
 *     trained alone on the task (no edges), the reference rows of the paper's tables
 * @param methods existing distillation methods to compare against ({@link Knowledge#isMethod()}),
 *     one more variant each, {@code baseline-<key>}: the teacher trained first and frozen, the
 *     first student taught by the method (see {@link #methodVariant})
 * @param export what the pipeline exports of each completed run (see {@link ExportSpec}); absent:
 *     nothing
 * @param teacherCheckpoint an already trained teacher that every run with a frozen teacher starts
 *     from, skipping the teacher's own phase: a local run folder (its {@code teacher.params}), a
 *     {@code .params} file kdml wrote, or a {@code .npz} {@code state_dict}; left out of the canonical
 *     JSON (and the run ids) when absent. A checkpoint whose architecture, classes or input size do
 *     not fit is refused naming this field
 */
public record ExperimentSpec(String name, Task task, DatasetSpec dataset, String teacher, List<String> students,
        List<String> modes, List<String> versions, List<Edge> sharing, List<Long> seeds, TrainingSpec training,
        Map<String, String> weights, @JsonInclude(JsonInclude.Include.NON_NULL) Boolean baseline,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> methods,
        @JsonInclude(JsonInclude.Include.NON_NULL) ExportSpec export,
        @JsonInclude(JsonInclude.Include.NON_NULL) String teacherCheckpoint) {

    /** Applies defaults and validates everything that does not need the engine. */
    public ExperimentSpec {
        SpecException.check(name != null && name.matches("[a-z0-9][a-z0-9._-]{0,63}"), "name",
                "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit, got '"
                        + name + "'");
        task = task == null ? Task.CLASSIFICATION : task;
        SpecException.check(dataset != null, "dataset", "is required");
        SpecException.check(students != null && !students.isEmpty(), "students", "at least one student is required");
        students = List.copyOf(students);
        for (int i = 0; i < students.size(); i++) {
            SpecException.check(students.get(i) != null && !students.get(i).isBlank(), "students[" + i + "]",
                    "architecture key is required");
        }
        SpecException.check(sharing == null || (modes == null && versions == null), "sharing",
                "give either a custom sharing graph or modes/versions, not both");
        if (sharing == null) {
            modes = modes == null ? List.of(Mode.KD_ML.key()) : List.copyOf(modes);
            versions = versions == null ? List.of(Version.V3.key()) : List.copyOf(versions);
            SpecException.check(!modes.isEmpty(), "modes", "at least one mode is required");
            SpecException.check(!versions.isEmpty(), "versions", "at least one version is required");
            for (int i = 0; i < modes.size(); i++) {
                Mode.of("modes[" + i + "]", modes.get(i));
            }
            for (int i = 0; i < versions.size(); i++) {
                Version.of("versions[" + i + "]", versions.get(i));
            }
        } else {
            sharing = List.copyOf(sharing);
        }
        seeds = seeds == null ? List.of(1L) : List.copyOf(seeds);
        SpecException.check(!seeds.isEmpty(), "seeds", "at least one seed is required");
        SpecException.check(new HashSet<>(seeds).size() == seeds.size(), "seeds", "seeds must be distinct, got " + seeds);
        training = training == null ? TrainingSpec.defaults() : training;
        SpecException.check(task != Task.SEGMENTATION || training.ensemble() == null, "training.ensemble",
                "applies to classification; a segmentation ensemble is the union of the students' masks (with"
                        + " ensemble-mean beside it), got '" + training.ensemble() + "'");
        List<Variant> expanded = expandVariants(modes, versions, sharing, students.size(), training);
        boolean needsTeacher = expanded.stream().anyMatch(v -> v.graph().teacher() != TeacherTraining.NONE);
        SpecException.check(!needsTeacher || (teacher != null && !teacher.isBlank()), "teacher",
                "is required by the modes " + modes);
        methods = methods == null || methods.isEmpty() ? null : List.copyOf(methods);
        if (methods != null) {
            SpecException.check(teacher != null && !teacher.isBlank(), "teacher", "is required by methods " + methods);
            SpecException.check(new HashSet<>(methods).size() == methods.size(), "methods",
                    "methods must be distinct, got " + methods);
            for (int i = 0; i < methods.size(); i++) {
                checkTask("methods[" + i + "]", Knowledge.method("methods[" + i + "]", methods.get(i)), task);
            }
        }
        if (sharing != null) {
            for (int i = 0; i < sharing.size(); i++) {
                checkTask("sharing[" + i + "].knowledge", sharing.get(i).knowledge(), task);
            }
        }
        weights = weights == null ? Map.of() : new TreeMap<>(weights);
        for (Map.Entry<String, String> w : weights.entrySet()) {
            String node = w.getKey();
            boolean known = node.equals(SharingGraph.TEACHER) || IntStream
                    .rangeClosed(1, students.size()).anyMatch(i -> node.equals(SharingGraph.student(i)));
            SpecException.check(known, "weights." + node, "unknown node '" + node + "'; valid: teacher, s1.."
                    + SharingGraph.student(students.size()));
            SpecException.check(w.getValue() != null && !w.getValue().isBlank(), "weights." + node,
                    "needs the path of a .npz file");
        }
        weights = Collections.unmodifiableMap(weights);
        // Absent and false are the same spec (and hash the same).
        baseline = Boolean.TRUE.equals(baseline) ? Boolean.TRUE : null;
        SpecException.check(baseline == null || sharing == null, "baseline",
                "baselines go with modes/versions, not with a custom sharing graph");
        if (export != null) {
            String network = export.network() == null ? (students.size() > 1 ? SharingGraph.ENSEMBLE : "s1") : export.network();
            int k = Math.max(0, SharingGraph.studentIndex(network));
            boolean valid = network.equals(SharingGraph.ENSEMBLE) && students.size() > 1
                    || network.equals(SharingGraph.TEACHER) && teacher != null && !teacher.isBlank()
                    || k >= 1 && k <= students.size();
            SpecException.check(valid, "export.network", "'" + network + "' is not a network of this spec; valid: s1.."
                    + SharingGraph.student(students.size()) + (teacher != null ? ", teacher" : "")
                    + (students.size() > 1 ? ", ensemble" : ""));
            export = new ExportSpec(export.formats(), network);
        }
        if (teacherCheckpoint != null) {
            SpecException.check(!teacherCheckpoint.isBlank(), "teacherCheckpoint",
                    "needs a run folder, a .params file or a .npz file");
            SpecException.check(teacher != null && !teacher.isBlank(), "teacherCheckpoint",
                    "is a teacher's weights, but the spec has no teacher");
        }
    }

    /** @return whether {@code variant} trains its teacher first and freezes it (the teacher the key names) */
    public static boolean frozenTeacher(Variant variant) {
        return variant.graph().teacher() == TeacherTraining.FROZEN;
    }

    /** Key of the baseline variant. */
    public static final String BASELINE = "baseline";

    /** Prefix of the methods variants' keys, e.g. {@code baseline-at}. */
    public static final String METHOD_PREFIX = "baseline-";

    private static void checkTask(String field, Knowledge k, Task task) {
        SpecException.check(k.appliesTo(task), field, k.key() + " is not a " + task + " method; valid for " + task
                + ": predictions, features, " + Knowledge.methodKeys(task));
    }

    /**
     * @return the variants this experiment runs, in spec order (modes outer, versions inner), then
     *     {@code baseline}, then one per method
     */
    public List<Variant> variants() {
        List<Variant> out = new ArrayList<>(expandVariants(modes, versions, sharing, students.size(), training));
        if (Boolean.TRUE.equals(baseline)) {
            out.add(new Variant(BASELINE, new SharingGraph(students.size(),
                    teacher == null || teacher.isBlank() ? TeacherTraining.NONE : TeacherTraining.JOINT, List.of())));
        }
        if (methods != null) {
            for (int i = 0; i < methods.size(); i++) {
                out.add(methodVariant(Knowledge.method("methods[" + i + "]", methods.get(i)), training));
            }
        }
        return out;
    }

    /**
     * The variant that reproduces an existing method: the teacher trained first and frozen (as
     * {@code kd-off}), one student ({@code s1}) whose loss is {@code task + β·method}, with vanilla KD
     * ({@code + predictions<-teacher}) under {@code training.protocol: with-kd}. SimKD trains on its
     * feature term alone, as its authors do (no task loss, no KD).
     *
     * @param method an existing method ({@link Knowledge#isMethod()})
     */
    public static Variant methodVariant(Knowledge method, TrainingSpec training) {
        if (!method.isMethod()) {
            throw new IllegalArgumentException(method.key() + " is not an existing method");
        }
        double beta = training.methodParams(method).get("weight");
        List<Edge> edges = new ArrayList<>();
        edges.add(new Edge(SharingGraph.TEACHER, SharingGraph.student(1), method, beta));
        boolean simkd = method == Knowledge.SIMKD;
        if (!simkd && TrainingSpec.WITH_KD.equals(training.protocolOrDefault())) {
            edges.add(Edge.of(SharingGraph.TEACHER, SharingGraph.student(1), Knowledge.PREDICTIONS));
        }
        return new Variant(METHOD_PREFIX + method.key(), new SharingGraph(1, TeacherTraining.FROZEN, edges,
                simkd ? 0.0 : 1.0));
    }

    private static List<Variant> expandVariants(List<String> modes, List<String> versions, List<Edge> sharing,
            int students, TrainingSpec training) {
        List<Variant> out = new ArrayList<>();
        if (sharing != null) {
            TeacherTraining t = training.teacherTraining() == null ? TeacherTraining.JOINT
                    : TeacherTraining.of("training.teacherTraining", training.teacherTraining());
            boolean usesTeacher = sharing.stream().anyMatch(e -> e.from().equals(SharingGraph.TEACHER)
                    || e.to().equals(SharingGraph.TEACHER));
            out.add(new Variant("custom", new SharingGraph(students, usesTeacher ? t : TeacherTraining.NONE, sharing)));
            return out;
        }
        for (int i = 0; i < modes.size(); i++) {
            Mode mode = Mode.of("modes[" + i + "]", modes.get(i));
            TeacherTraining teacher = mode.defaultTeacher();
            // Only kd-ml reads training.teacherTraining; the other modes fix the teacher and ignore it,
            // so that one spec can list every mode with a choice for kd-ml.
            if (mode == Mode.KD_ML && training.teacherTraining() != null) {
                TeacherTraining asked = TeacherTraining.of("training.teacherTraining", training.teacherTraining());
                SpecException.check(asked != TeacherTraining.NONE, "training.teacherTraining",
                        "kd-ml needs a teacher; use mode ml for none");
                teacher = asked;
            }
            for (int j = 0; j < versions.size(); j++) {
                Variant v = Variant.parse("versions[" + j + "]", mode.key() + "-" + versions.get(j), students);
                out.add(new Variant(v.key(), v.graph().withTeacher(teacher)));
            }
        }
        return out;
    }
}
