package org.kdml.spec;

/**
 * The names of a run's files and folders: the one place they are spelled, shared by the local run
 * folder ({@code <out>/<experiment>/<runId>/}) and the run's S3 prefix
 * ({@code <experiment>/<runId>/} in the checkpoint bucket), so that what one writes the other reads.
 *
 * <pre>
 * local run folder                 S3 run prefix
 *   spec.json                        final/spec.json        the experiment spec (canonical JSON)
 *   result.json                      final/result.json      the run's result
 *   split.json                       final/split.json       item ids of the train/val/test splits
 *   &lt;node&gt;.params                    final/&lt;node&gt;.params    a network's weights
 *   hardest.png                      images/hardest.png     segmentation: the hardest test images
 *   cka-&lt;pair&gt;.png                   cka/cka-&lt;pair&gt;.png     CKA heatmap of a pair, e.g. teacher-s1
 *   cka.json                         cka/cka.json           the CKA matrices of every pair
 *                                    epoch-&lt;phase&gt;-NNNN/    a training state: state.json, weights,
 *                                                           &lt;node&gt;.best.params, &lt;node&gt;.adam
 *                                    completed.json         the run is finished
 * </pre>
 *
 * An experiment folder holds its runs' folders and {@code report/} ({@code report.md},
 * {@code report.csv}, {@code report.html}, {@code curves-<runId>.png}).
 */
public final class RunLayout {

    /** The experiment spec a run was trained from. */
    public static final String SPEC = "spec.json";
    /** The run's result. */
    public static final String RESULT = "result.json";
    /** The ids of the items in each split. */
    public static final String SPLIT = "split.json";
    /** The bookkeeping of a training state. */
    public static final String STATE = "state.json";
    /** The segmentation hard-case grid. */
    public static final String HARDEST = "hardest.png";
    /** The CKA matrices of every pair of a run's networks. */
    public static final String CKA = "cka.json";
    /** What a checkpoint holds, written last. */
    public static final String MANIFEST = "manifest.json";
    /** A trained teacher's folder: its phase's record ({@code core}'s {@code TrainedTeacher}). */
    public static final String TEACHER_RECORD = "teacher.json";
    /** A trained teacher's folder: its weights in DJL's array encoding. */
    public static final String TEACHER_WEIGHTS = "teacher.weights";
    /** Folder of a run that holds the teacher it trained, for runs with the same teacher key. */
    public static final String TEACHER_DIR = "teacher";
    /** Per-image test predictions of every network (label, predicted class, probabilities). */
    public static final String PREDICTIONS = "predictions.csv.gz";
    /** The marker of a finished run (S3). */
    public static final String COMPLETED = "completed.json";
    /** Folder of the final model (S3). */
    public static final String FINAL_DIR = "final";
    /** Folder of a run's images (S3). */
    public static final String IMAGES_DIR = "images";
    /** Folder of a run's CKA files (S3). */
    public static final String CKA_DIR = "cka";
    /** Folder of an experiment's report. */
    public static final String REPORT_DIR = "report";

    /** The comparison with existing methods as CSV, in an experiment's report folder. */
    public static final String METHODS_CSV = "methods.csv";

    /** The tested claims as CSV, in an experiment's report folder. */
    public static final String CLAIMS_CSV = "claims.csv";

    private RunLayout() {
    }

    /** @return the weights file of {@code node}, e.g. {@code s1.params} */
    public static String params(String node) {
        return node + ".params";
    }

    /** @return the best-epoch snapshot of {@code node} in a training state, e.g. {@code s1.best.params} */
    public static String bestParams(String node) {
        return node + ".best.params";
    }

    /** @return the optimiser moments of {@code node} in a training state, e.g. {@code s1.adam} */
    public static String adam(String node) {
        return node + ".adam";
    }

    /**
     * @return the parameters of the edge modules into {@code node} (FitNets' regressor, VID's,
     *     SRRL's connector) in a training state, e.g. {@code s1.edges.params}
     */
    public static String edgeParams(String node) {
        return node + ".edges.params";
    }

    /** @return the optimiser moments of the edge modules into {@code node}, e.g. {@code s1.edges.adam} */
    public static String edgeAdam(String node) {
        return node + ".edges.adam";
    }

    /** @return the parameters of the run's {@code i}-th discriminator (SKD; 1-based), e.g. {@code discriminator1.params} */
    public static String discriminatorParams(int i) {
        return "discriminator" + i + ".params";
    }

    /** @return the optimiser moments of the run's {@code i}-th discriminator, e.g. {@code discriminator1.adam} */
    public static String discriminatorAdam(int i) {
        return "discriminator" + i + ".adam";
    }

    /** @return the CKA heatmap of {@code pair}, e.g. {@code cka-teacher-s1.png} */
    public static String heatmap(String pair) {
        return "cka-" + pair + ".png";
    }

    /** @return the training-curve plot of a run in a report, e.g. {@code curves-<runId>.png} */
    public static String curves(String runId) {
        return "curves-" + runId + ".png";
    }

    /** @return a report file, e.g. {@code report.md} for {@code md} */
    public static String report(String format) {
        return "report." + format;
    }

    /** @return the folder of a training state, e.g. {@code epoch-joint-0003} */
    public static String epoch(Phase phase, int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch: must be >= 0, got " + epoch);
        }
        return String.format("epoch-%s-%04d", phase.key(), epoch);
    }

    /**
     * @param step steps of the next epoch trained since {@code epoch} ended (a stop mid-epoch)
     * @return the folder of a training state, e.g. {@code epoch-joint-0003} at an epoch's end, or
     *     {@code epoch-joint-0003-step-000017} 17 steps into epoch 4
     */
    public static String state(Phase phase, int epoch, int step) {
        if (step < 0) {
            throw new IllegalArgumentException("step: must be >= 0, got " + step);
        }
        return step == 0 ? epoch(phase, epoch) : epoch(phase, epoch) + String.format("-step-%06d", step);
    }
}
