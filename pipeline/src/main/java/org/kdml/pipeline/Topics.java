package org.kdml.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** The topic contract: names, partitions, and their creation. */
public final class Topics {

    /** Experiment specs in (YAML or JSON text); the key is ignored. */
    public static final String SPECS = "kdml.specs";
    /** One message per run, keyed by run id (a {@link RunMessage}). */
    public static final String RUNS = "kdml.runs";
    /** Run lifecycle ({@link RunEvent}), keyed by run id. */
    public static final String EVENTS = "kdml.events";
    /** Metrics and CKA matrices ({@link ResultMessage}), keyed by run id. */
    public static final String RESULTS = "kdml.results";
    /** Rejected input with the reason ({@link DeadLetter}). */
    public static final String DLQ = "kdml.dlq";

    /** Every topic of the contract. */
    public static final List<String> ALL = List.of(SPECS, RUNS, EVENTS, RESULTS, DLQ);

    private Topics() {
    }

    /** Partitions per topic: runs are spread over workers, the rest keep one order. */
    public static int partitions(String topic) {
        return topic.equals(RUNS) ? 6 : topic.equals(SPECS) ? 1 : 3;
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
            for (String t : ALL) {
                if (!existing.contains(t)) {
                    NewTopic topic = new NewTopic(t, partitions(t), replication);
                    if (t.equals(RUNS)) {
                        topic.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
                    } else if (t.equals(RESULTS) || t.equals(EVENTS)) {
                        topic.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "16777216"));
                    }
                    missing.add(topic);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("creating topics failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
