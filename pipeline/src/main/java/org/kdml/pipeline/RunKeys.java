package org.kdml.pipeline;

import java.util.regex.Pattern;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;

/**
 * The S3 layout of one run, the only code that spells its keys: everything of a run lives under
 * {@code <experiment>/<runId>/} in the checkpoint bucket. Names are refused when they could escape
 * that prefix.
 *
 * <pre>
 * attempts.json                 attempts so far and the last worker
 * epoch-&lt;phase&gt;-&lt;NNNN&gt;/          training state after an epoch (the newest two are kept)
 * final/                        best weights, split, training result, spec
 * completed.json                written once the completion is committed
 * results/result.json           the evaluator's full result
 * results/predictions.csv.gz    the evaluator's per-image test predictions (classification)
 * images/hardest.png            the evaluator's hardest test images
 * cka/cka.json, cka/cka-&lt;pair&gt;.png   the CKA analyzer's matrices and heatmaps
 * </pre>
 * and, shared by every run whose frozen teacher has the same key ({@code TeacherKey}):
 * <pre>
 * teachers/&lt;key&gt;/teacher.json, teacher.weights, manifest.json   the teacher, once trained
 * teachers/&lt;key&gt;/waiting/&lt;runId&gt;.json   runs waiting for it (republished when it lands)
 * teachers/&lt;key&gt;/failed.json             why it will not land (its run was parked as failed)
 * </pre>
 *
 * Every checkpoint folder ends with its {@link Manifest#FILE}.
 *
 * @param experiment the experiment's name
 * @param runId the run's id
 */
public record RunKeys(String experiment, String runId) {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final String EPOCH = "epoch-";

    /**
     * Validates both names.
     *
     * @throws IllegalArgumentException naming the part that is not a plain name
     */
    public RunKeys {
        safe("experiment", experiment);
        safe("runId", runId);
    }

    /** The keys of the run {@code event} is about. */
    public static RunKeys of(RunEvent event) {
        return new RunKeys(event.experiment(), event.runId());
    }

    /** The keys of the run {@code run} names. */
    public static RunKeys of(RunMessage run) {
        return new RunKeys(run.experiment(), run.runId());
    }

    /**
     * @return {@code value} when it is a plain name (letters, digits, {@code . _ -}, no {@code ..})
     * @throws IllegalArgumentException naming {@code field} otherwise
     */
    static String safe(String field, String value) {
        if (value == null || !SAFE.matcher(value).matches() || value.contains("..")) {
            throw new IllegalArgumentException(field + ": '" + value + "' is not a plain name (letters, digits, . _ -)"
                    + " and cannot be used in a checkpoint key");
        }
        return value;
    }

    /** @return the prefix of every run of {@code experiment}, e.g. {@code exp/} */
    public static String experimentPrefix(String experiment) {
        return safe("experiment", experiment) + "/";
    }

    /** @return the folder of {@code experiment}'s report, e.g. {@code exp/report/} (run ids are hex: no clash) */
    public static String reportPrefix(String experiment) {
        return experimentPrefix(experiment) + RunLayout.REPORT_DIR + "/";
    }

    /**
     * @return the folder of the frozen teacher with key {@code teacherKey}, shared by every run and
     *     experiment with that key: {@code teachers/<key>/} holds its files and their manifest,
     *     {@code waiting/<runId>.json} the runs that wait for it, {@code failed.json} why it will not come
     */
    public static String teacher(String teacherKey) {
        return "teachers/" + safe("teacherKey", teacherKey) + "/";
    }

    /** @return the marker of run {@code runId} waiting for the teacher {@code teacherKey} (its run message) */
    public static String teacherWaiting(String teacherKey, String runId) {
        return teacherWaitingPrefix(teacherKey) + safe("runId", runId) + ".json";
    }

    /** @return the folder of the runs waiting for the teacher {@code teacherKey} */
    public static String teacherWaitingPrefix(String teacherKey) {
        return teacher(teacherKey) + "waiting/";
    }

    /** @return why the teacher {@code teacherKey} will not come (its run was parked as failed) */
    public static String teacherFailed(String teacherKey) {
        return teacher(teacherKey) + "failed.json";
    }

    /** @return the run's prefix, e.g. {@code exp/0123abcd/} */
    public String prefix() {
        return experiment + "/" + runId + "/";
    }

    /** @return the attempts record */
    public String attempts() {
        return prefix() + "attempts.json";
    }

    /** @return the marker written once the completion is committed */
    public String completed() {
        return prefix() + RunLayout.COMPLETED;
    }

    /** @return the final checkpoint's folder */
    public String finalCheckpoint() {
        return prefix() + RunLayout.FINAL_DIR + "/";
    }

    /** @return the folder of the checkpoint after {@code epoch} of {@code phase} */
    public String epoch(Phase phase, int epoch) {
        return state(phase, epoch, 0);
    }

    /** @return the folder of the state {@code step} steps after {@code epoch} of {@code phase} ended */
    public String state(Phase phase, int epoch, int step) {
        return prefix() + RunLayout.state(phase, epoch, step) + "/";
    }

    /** @return whether {@code key} (a folder under this run) is an epoch checkpoint */
    public boolean isEpoch(String key) {
        return key.startsWith(prefix() + EPOCH) && key.endsWith("/");
    }

    /**
     * Where a training state stands: after {@code epoch} of {@code phase}, plus {@code step} steps
     * of the next epoch (0 at an epoch's end).
     */
    public record Position(Phase phase, int epoch, int step) {
    }

    /**
     * @param key an epoch checkpoint's folder, from {@link #epoch} or {@link #state} (with or without
     *     the bucket in front)
     * @return where that state stands
     */
    public static Position position(String key) {
        String[] parts = key.replaceAll("/$", "").replaceAll(".*/", "").split("-");
        return new Position(Phase.JOINT.key().equals(parts[1]) ? Phase.JOINT : Phase.TEACHER,
                Integer.parseInt(parts[2]), parts.length == 5 ? Integer.parseInt(parts[4]) : 0);
    }

    /**
     * Orders epoch checkpoints: the teacher phase before the joint phase, then by epoch, then by
     * the steps into the next epoch (a state written mid-epoch comes after its epoch's end).
     *
     * @param key an epoch checkpoint's folder, from {@link #epoch} or {@link #state}
     */
    public static long epochOrder(String key) {
        Position p = position(key);
        return (p.phase() == Phase.JOINT ? 1_000_000_000_000L : 0) + p.epoch() * 1_000_000L + p.step();
    }

    /** @return the evaluator's full result */
    public String result() {
        return prefix() + "results/" + RunLayout.RESULT;
    }

    /** @return the evaluator's per-image test predictions of every network, beside its result */
    public String predictions() {
        return prefix() + "results/" + RunLayout.PREDICTIONS;
    }

    /** @return the evaluator's grid of the hardest test images */
    public String hardest() {
        return prefix() + RunLayout.IMAGES_DIR + "/" + RunLayout.HARDEST;
    }

    /** @return the CKA analyzer's result */
    public String cka() {
        return prefix() + RunLayout.CKA_DIR + "/" + RunLayout.CKA;
    }

    /** @return the heatmap of the network pair {@code pair}, e.g. {@code teacher-s1} */
    public String heatmap(String pair) {
        return prefix() + RunLayout.CKA_DIR + "/" + RunLayout.heatmap(safe("pair", pair));
    }

    /** @return an exported file of the run ({@code kdml export}'s model, weights or card) */
    public String export(String file) {
        return prefix() + "export/" + safe("export file", file);
    }
}
