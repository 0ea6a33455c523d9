package org.kdml.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kdml.mlflow.MlflowClient.Entry;
import org.kdml.mlflow.MlflowClient.Metric;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Task;
import org.kdml.results.CkaResult;
import org.kdml.results.EpochRecord;
import org.kdml.results.ExportResult;
import org.kdml.results.RunResult;

/**
 * What a kdml message becomes in MLflow, as pure functions (no calls): the run's name, tags and
 * params; the metrics of an epoch with their step; the test metrics of a result; the links to its
 * files in S3 as tags. Names go through {@link MlflowNames}; S3 keys come from {@link RunKeys}.
 *
 * <p>Steps count a run's epochs across its phases: the teacher's own phase (KD off) is steps
 * 1…{@code teacherEpochs}, the joint phase follows it; without a teacher phase the joint phase is
 * steps 1…{@code epochs}. Test metrics are step 0.
 */
public final class MlflowRecords {

    /** The tag that identifies a kdml run's MLflow run (what {@code runs/search} looks for). */
    public static final String RUN_ID_TAG = "kdml.run_id";
    /** Longest tag value the bridge writes (MLflow guarantees 5000 bytes on every backend). */
    static final int TAG_LIMIT = 5000;
    /** Longest param value the bridge writes (MLflow's limit). */
    static final int PARAM_LIMIT = 6000;

    private MlflowRecords() {
    }

    /**
     * A run the bridge knows from {@code kdml.runs}.
     *
     * @param message the run's message (canonical spec included)
     * @param task the experiment's task
     * @param jointOffset the steps before the joint phase: the teacher phase's epochs, or 0
     */
    public record KnownRun(RunMessage message, Task task, long jointOffset) {

        /** @return the run as the bridge mirrors it */
        public static KnownRun of(RunMessage message) {
            RunSpec run = message.run();
            long offset = run.variant().graph().teacher() == TeacherTraining.FROZEN
                    ? run.spec().training().teacherEpochs() : 0;
            return new KnownRun(message, run.spec().task(), offset);
        }

        /** @return the run's S3 keys */
        public RunKeys keys() {
            return RunKeys.of(message);
        }
    }

    /** @return the MLflow run's name, e.g. {@code kd-off-v1-seed1} */
    public static String runName(RunMessage run) {
        return run.variant() + "-seed" + run.seed();
    }

    /** @return the tags a run is created with: kdml's run id, experiment, variant, seed and spec hash */
    public static List<Entry> runTags(RunMessage run) {
        return List.of(new Entry(RUN_ID_TAG, run.runId()), new Entry("kdml.experiment", run.experiment()),
                new Entry("kdml.variant", run.variant()), new Entry("kdml.seed", Long.toString(run.seed())),
                new Entry("kdml.spec_hash", run.specHash()), new Entry("mlflow.runName", runName(run)),
                new Entry("mlflow.source.name", "kdml"));
    }

    /**
     * The canonical spec's fields as params: nested fields joined by {@code .} (e.g.
     * {@code training.epochs}), lists as compact JSON ({@code students} → {@code ["resnet18-tiny",…]}),
     * nulls left out; in field order.
     */
    public static List<Entry> params(JsonNode spec) {
        List<Entry> out = new ArrayList<>();
        flatten("", spec, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, List<Entry> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), out);
            }
        } else if (!node.isNull() && !node.isMissingNode()) {
            String value = node.isValueNode() ? node.asText() : node.toString();
            out.add(new Entry(MlflowNames.key(prefix), cut(value, PARAM_LIMIT)));
        }
    }

    /** @return the step of {@code epoch} of {@code phase} (see the class comment) */
    public static long step(Phase phase, int epoch, long jointOffset) {
        return phase == Phase.JOINT ? jointOffset + epoch : epoch;
    }

    /**
     * The metrics of one epoch record (as an {@code epoch} event carries it and a result's
     * {@code history} holds it): every train term under its name ({@code s1/task},
     * {@code s1/kd.from.teacher}), every validation score as {@code val/<network>/accuracy}
     * ({@code /iou} for segmentation), the epoch's wall time as {@code epoch/seconds}; all at the
     * epoch's step and at {@code time}; terms and networks in name order.
     */
    public static List<Metric> epoch(EpochRecord record, KnownRun run, long time) {
        long step = step(record.phase(), record.epoch(), run.jointOffset());
        String score = run.task() == Task.SEGMENTATION ? "iou" : "accuracy";
        List<Metric> out = new ArrayList<>();
        new TreeMap<>(record.train()).forEach((term, v) -> add(out, term, v, time, step));
        new TreeMap<>(record.validation()).forEach((network, v) -> add(out, "val/" + network + "/" + score, v, time,
                step));
        add(out, "epoch/seconds", record.seconds(), time, step);
        return out;
    }

    /** The metrics of an {@code epoch} event (none for other types); see {@link #epoch(EpochRecord, KnownRun, long)}. */
    public static List<Metric> epoch(RunEvent event, KnownRun run) {
        return event.epochRecord().map(r -> epoch(r, run, event.time())).orElse(List.of());
    }

    /** Every epoch of a {@code metrics} result's {@code history} (what best-effort epoch events may have missed). */
    public static List<Metric> history(ResultMessage result, KnownRun run) {
        List<Metric> out = new ArrayList<>();
        for (EpochRecord record : result.payload(RunResult.class).history()) {
            out.addAll(epoch(record, run, result.time()));
        }
        return out;
    }

    /**
     * The test metrics of a {@code metrics} result: every number of each network's {@code test}
     * (classification) or {@code segmentation} metrics, and its {@code fidelity}, as
     * {@code test/<network>/<metric>} (e.g. {@code test/s1/accuracy}, {@code test/ensemble/f1}), at
     * step 0 and the result's time. Nulls (an undefined AUC) and lists (the confusion matrix) are
     * left out.
     */
    public static List<Metric> test(ResultMessage result) {
        List<Metric> out = new ArrayList<>();
        new TreeMap<>(result.payload(RunResult.class).networks()).forEach((network, n) -> {
            String prefix = "test/" + network + "/";
            for (Object metrics : Arrays.asList(n.test(), n.segmentation())) {
                if (metrics != null) {
                    // Every number of the metrics record, by its field name (the record's JSON).
                    Specs.json().valueToTree(metrics).fields().forEachRemaining(f -> add(out, prefix + f.getKey(),
                            number(f.getValue()), result.time(), 0));
                }
            }
            add(out, prefix + "fidelity", n.fidelity(), result.time(), 0);
        });
        return out;
    }

    /**
     * Links to a result's files in S3 as tags: {@code kdml.artifact.result} (metrics: the full
     * {@code result.json}); {@code kdml.artifact.cka} and {@code kdml.artifact.cka.<pair>} (cka: the
     * matrices and each heatmap); {@code kdml.export.network} and {@code kdml.artifact.export.<file>}
     * (export: each exported file).
     */
    public static List<Entry> links(ResultMessage result, RunKeys keys, String bucket) {
        List<Entry> out = new ArrayList<>();
        switch (result.kind()) {
            case METRICS -> out.add(new Entry("kdml.artifact.result", s3(bucket, keys.result())));
            case CKA -> {
                out.add(new Entry("kdml.artifact.cka", s3(bucket, keys.cka())));
                result.payload(CkaResult.class).pairs().keySet().forEach(pair -> out.add(new Entry(
                        "kdml.artifact.cka." + MlflowNames.key(pair), s3(bucket, keys.heatmap(pair)))));
            }
            case EXPORT -> {
                ExportResult export = result.payload(ExportResult.class);
                out.add(new Entry("kdml.export.network", export.network()));
                export.files().keySet().forEach(file -> out.add(new Entry(
                        "kdml.artifact.export." + MlflowNames.key(file), s3(bucket, keys.export(file)))));
            }
            default -> throw new IllegalArgumentException("kind: no links for result kind " + result.kind());
        }
        return out;
    }

    /**
     * The tags an event sets: the attempt and worker ({@code started}), the final checkpoint's
     * link ({@code completed}), the error ({@code failed}, cut to {@value #TAG_LIMIT} characters).
     */
    public static List<Entry> tags(RunEvent event, RunKeys keys, String bucket) {
        return switch (event.type()) {
            case STARTED -> event.worker() == null ? List.of(new Entry("kdml.attempt", "" + event.attempt()))
                    : List.of(new Entry("kdml.attempt", "" + event.attempt()),
                            new Entry("kdml.worker", event.worker()));
            case COMPLETED -> List.of(new Entry("kdml.artifact.checkpoint", s3(bucket, keys.finalCheckpoint())));
            case FAILED -> List.of(new Entry("kdml.failure", cut(String.valueOf(event.reason()), TAG_LIMIT)));
            default -> List.of();
        };
    }

    /** @return the run status an event ends a run with ({@code FINISHED}, {@code FAILED}), or null */
    public static String finalStatus(RunEvent event) {
        if (event.type() == EventType.COMPLETED) {
            return "FINISHED";
        }
        return event.parked() ? "FAILED" : null;
    }

    /** @return {@code s3://bucket/key} */
    public static String s3(String bucket, String key) {
        return "s3://" + bucket + "/" + key;
    }

    private static void add(List<Metric> out, String name, Double v, long time, long step) {
        if (v != null) {
            out.add(new Metric(MlflowNames.key(name), v, time, step));
        }
    }

    /**
     * @return the number {@code value} holds (JSON numbers, and {@code "NaN"}, {@code "Infinity"} as
     *     Jackson writes them), or null
     */
    static Double number(JsonNode value) {
        if (value.isNumber()) {
            return value.asDouble();
        }
        if (value.isTextual()) {
            switch (value.asText()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    return null;
            }
        }
        return null;
    }

    private static String cut(String s, int limit) {
        return s.length() <= limit ? s : s.substring(0, limit - 3) + "...";
    }
}
