package org.kdml.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a frozen teacher is, as a key: two runs whose teachers have the same key train the same
 * network, bit for bit, so the teacher is trained once and reused. A teacher is frozen in
 * {@code kd-off}, every {@code baseline-<method>} and {@code kd-ml} with
 * {@code teacherTraining: frozen}; its own phase depends only on
 * <ul>
 * <li>the task, the teacher's architecture and the width of its 1×1 adapter (kd-off's teacher
 * feeds the students' feature width through one; a methods variant's teacher has none: two keys);
 * <li>its initial weights ({@code weights.teacher}, by path);
 * <li>the data, its split and augmentation (the whole {@code dataset} section but
 * {@code loaderThreads}, which changes only the speed);
 * <li>the seed (initial weights, split, batch order and augmentation derive from it);
 * <li>the teacher's hyper-parameters: {@code teacherEpochs}, {@code batchSize},
 * {@code learningRate}, {@code schedule} when set, and {@code focalGamma} when it segments;
 * <li>the code version.
 * </ul>
 * The students, {@code epochs}, {@code alpha}, {@code temperature}, the methods and their
 * hyper-parameters do not enter: the teacher's phase never reads them.
 *
 * @param value 16 hex digits of the SHA-256 of {@link #material}
 * @param material the canonical JSON the key hashes, kept for people to read
 */
public record TeacherKey(String value, String material) {

    /** Validates. */
    public TeacherKey {
        SpecException.check(value != null && value.matches("[0-9a-f]{16}"), "teacherKey",
                "must be 16 hex digits, got " + value);
    }

    /**
     * @param codeVersion the version of the code that trains (a teacher trained by other code is
     *     another teacher)
     * @return the key of {@code run}'s frozen teacher, or null when its teacher is not frozen (trained
     *     jointly, absent) or starts from {@code teacherCheckpoint}
     */
    public static TeacherKey of(RunSpec run, String codeVersion) {
        ExperimentSpec spec = run.spec();
        if (!ExperimentSpec.frozenTeacher(run.variant()) || spec.teacherCheckpoint() != null) {
            return null;
        }
        DatasetSpec d = spec.dataset();
        DatasetSpec data = new DatasetSpec(d.kind(), d.root(), d.imageSize(), d.samples(), d.classes(),
                d.trainFraction(), d.valFraction(), d.balance(), d.skipBad(), d.augmentation(), null, d.split());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", spec.task().toString());
        m.put("teacher", spec.teacher());
        m.put("adapter", ArchitectureShapes.teacherAdapter(spec, run.variant()));
        m.put("weights", spec.weights().get(SharingGraph.TEACHER));
        m.put("dataset", data);
        m.put("seed", run.seed());
        TrainingSpec t = spec.training();
        m.put("teacherEpochs", t.teacherEpochs());
        m.put("batchSize", t.batchSize());
        m.put("learningRate", t.learningRate());
        if (t.schedule() != null) {
            // Only when set: keys of specs without a schedule stay as they were.
            m.put("schedule", t.schedule());
        }
        if (spec.task() == Task.SEGMENTATION) {
            m.put("focalGamma", t.focalGamma());
        }
        m.put("code", codeVersion);
        try {
            String material = Specs.json().writeValueAsString(m);
            return new TeacherKey(Specs.sha256(material).substring(0, 16), material);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the teacher key of " + run.runId(), e);
        }
    }

    /**
     * The run of {@code run}'s experiment that trains the teacher {@code run} needs: the first run, in
     * {@link Specs#runs} order, whose teacher has the same key. The others wait for it (through the
     * stack) or take it (in process).
     *
     * @return the owner's run id, or null when {@code run}'s teacher has no key
     */
    public static String owner(RunSpec run, String codeVersion) {
        TeacherKey key = of(run, codeVersion);
        if (key == null) {
            return null;
        }
        for (RunSpec r : Specs.runs(run.spec())) {
            TeacherKey k = of(r, codeVersion);
            if (k != null && k.value().equals(key.value())) {
                return r.runId();
            }
        }
        throw new IllegalStateException("run " + run.runId() + " is not a run of its own spec");
    }

    @Override
    public String toString() {
        return value;
    }
}
