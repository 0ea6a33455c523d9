package org.kdml.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.kdml.spec.Specs;

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
            "`type` ∈ " + EventType.table() + "; `position` = `" + Topic.components(RunPosition.class) + "` (whole epochs"
                    + " of `phase` done, steps done of the next, steps per epoch when known, the state's S3 folder)");
    /** Metrics, CKA matrices and exports. */
    public static final Topic<ResultMessage> RESULTS = new Topic<>("kdml.results", 3, KEPT_LARGE, ResultMessage.class,
            "run id (the experiment for `kind: report`)", ResultKind.table() + "; `seconds`: how long the service took");

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

    /**
     * Reads a message of {@code kdml.events} or {@code kdml.results} by its shape: a result has a
     * {@code kind}, an event a {@code type}.
     *
     * @return a {@link RunEvent} or a {@link ResultMessage}
     * @throws IOException when it is neither (the message names the field)
     */
    public static Record readEventOrResult(String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        return Specs.json().readTree(bytes).has("kind") ? RESULTS.parse(bytes) : EVENTS.parse(bytes);
    }

    /**
     * @return the experiment a message on {@code kdml.events} or {@code kdml.results} belongs to
     *     (a run's event or result, or an experiment's report), or null when it is not one
     */
    public static String experimentOf(String message) {
        try {
            JsonNode n = Specs.json().readTree(message);
            boolean report = n != null && ResultKind.REPORT.wire().equals(n.path("kind").asText());
            return n != null && n.hasNonNull("experiment") && (n.hasNonNull("runId") || report)
                    ? n.get("experiment").asText() : null;
        } catch (IOException e) {
            return null;
        }
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
