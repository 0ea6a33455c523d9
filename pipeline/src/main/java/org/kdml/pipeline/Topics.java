package org.kdml.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topic contract, in one place: every topic with its value type, partitions, settings, key
 * and meaning. README's contract table is {@link #table()} (a test keeps them equal).
 */
public final class Topics {

    private static final Map<String, String> KEPT = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
    private static final Map<String, String> KEPT_LARGE = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "16777216");

    /** Experiment specs in, as text. */
    public static final Topic<String> SPECS = new Topic<>("kdml.specs", 1, Map.of(), String.class, "ignored",
            "an experiment spec, YAML or JSON text (UTF-8, ≤ 1 MiB) — `kcat -b 127.0.0.1:9092 -P -t kdml.specs"
                    + " examples/quickstart.yaml` works exactly like `kdml submit`");
    /** One message per run. */
    public static final Topic<RunMessage> RUNS = new Topic<>("kdml.runs", 6, KEPT, RunMessage.class, "run id",
            "one per run; `spec` is the canonical spec");
    /** Run lifecycle. */
    public static final Topic<RunEvent> EVENTS = new Topic<>("kdml.events", 3, KEPT_LARGE, RunEvent.class, "run id",
            "`type` ∈ " + EventType.table());
    /** Metrics, CKA matrices and exports. */
    public static final Topic<ResultMessage> RESULTS = new Topic<>("kdml.results", 3, KEPT_LARGE, ResultMessage.class,
            "run id (the experiment for `kind: report`)", "`kind: metrics` → `payload` is the run's full result (test accuracy/precision/recall/F1/AUC or"
                    + " IoU/F-score of T, S1, S2, ensemble; fidelity; history; provenance); `kind: cka` →"
                    + " `payload.pairs.{teacher-s1, teacher-s2, s1-s2}` = `{rows, cols, values, undefined, heatmap}`"
                    + " (layer names; minibatch CKA matrix, `null` where undefined; the undefined cells as"
                    + " `[{row, col, reason}]`, e.g. reason `teacher layer logits is constant on the sample`, empty"
                    + " when every cell has a value; S3 key of the PNG); `kind: export` (specs with `export:`) →"
                    + " `payload.{network, files, card}`: the S3 key of each exported file (`model.onnx`,"
                    + " `model-int8.onnx`, `weights*.npz`, `model-card.md`, `model-card.json`) and the model card;"
                    + " `kind: report` (no `runId`) → `payload.{prefix, files, covers, runs, failed}`: the S3 keys"
                    + " of the experiment's `report.md`, `report.csv`, `report.html` (and its images) and the runs it covers"
                    + " (`covers`: their ids and the failed ones);"
                    + " `seconds`: how long the service took");
    /** Rejected input with the reason. */
    public static final Topic<DeadLetter> DLQ = new Topic<>("kdml.dlq", 3, Map.of(), DeadLetter.class, "as received",
            "rejected input; `input` is the text (cut to 64 KiB) or `base64:` bytes when not UTF-8");

    /** Every topic of the contract. */
    public static final List<Topic<?>> ALL = List.of(SPECS, RUNS, EVENTS, RESULTS, DLQ);

    private Topics() {
    }

    /** @return the names of every topic */
    public static List<String> names() {
        return ALL.stream().map(Topic::name).toList();
    }

    /** @return the contract table in Markdown, as README shows it */
    public static String table() {
        return "| topic | key | value (JSON) |\n|---|---|---|\n"
                + ALL.stream().map(Topic::tableRow).collect(Collectors.joining("\n")) + "\n";
    }

    /**
     * Creates the topics that do not exist yet on the cluster at {@code bootstrap}.
     *
     * @param replication replication factor
     */
    public static void create(String bootstrap, short replication) throws InterruptedException, TimeoutException {
        try (Admin admin = Clients.admin(bootstrap)) {
            create(admin, replication);
        }
    }

    /**
     * Creates the topics that do not exist yet.
     *
     * @param admin a connected admin client
     * @param replication replication factor (1 for the embedded broker)
     */
    public static void create(Admin admin, short replication) throws InterruptedException, TimeoutException {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?> t : ALL) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), t.partitions(), replication).configs(t.configs()));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("creating topics failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
