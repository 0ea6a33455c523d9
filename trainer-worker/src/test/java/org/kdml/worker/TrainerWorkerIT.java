package org.kdml.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * One trainer worker against a real broker and S3 server: a run on {@code kdml.runs} is trained,
 * its final checkpoint with its manifest lands in S3, and {@code completed} goes to
 * {@code kdml.events}; a message that is not a run goes to {@code kdml.dlq}.
 */
class TrainerWorkerIT {

    /** How long the worker may go without writing anything (it writes an event per epoch). */
    private static final Duration IDLE = Duration.ofMinutes(2);
    private static final String SPEC = String.join("\n",
            "name: worker-it",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [1]",
            "training: {epochs: 1, teacherEpochs: 1, batchSize: 32, learningRate: 0.002}",
            "");

    @TempDir
    static Path tmp;
    static EmbeddedStack stack;
    static TrainerWorker worker;

    @BeforeAll
    static void up() throws Exception {
        stack = EmbeddedStack.start(tmp.resolve("stack"));
        worker = new TrainerWorker(stack.config(), new TrainerWorker.Options(1, 1, Duration.ofMillis(200),
                Duration.ofSeconds(30)), "it-worker").start();
    }

    @AfterAll
    static void down() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aRunIsTrainedItsFinalCheckpointStoredAndItsCompletionPublished() throws Exception {
        RunSpec run = Specs.runs(Specs.parse(SPEC, "worker-it.yaml")).get(0);
        stack.publishJson(Topics.RUNS, run.runId(), RunMessage.of(run, 1, 1));
        JsonNode done = stack.probe().await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                && EventType.COMPLETED.wire().equals(n.path("type").asText()), 1, IDLE, "the completion of " + run.runId())
                .get(0);
        String prefix = new RunKeys("worker-it", run.runId()).prefix();
        assertEquals("it-worker", done.path("worker").asText(), done.toString());
        assertEquals(1, done.path("attempt").asInt(), done.toString());
        assertEquals(stack.config().bucket() + "/" + prefix + "final/", done.path("metrics").path("checkpoint").asText(),
                done.toString());
        // Progress came before it: the last epoch event is the one joint epoch of the spec.
        List<JsonNode> epochs = stack.probe().messages(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                && EventType.EPOCH.wire().equals(n.path("type").asText()));
        JsonNode last = epochs.get(epochs.size() - 1);
        assertEquals("joint", last.path("phase").asText(), epochs.toString());
        assertEquals(1, last.path("epoch").asInt(), epochs.toString());
        assertEquals(1, last.path("epochs").asInt(), epochs.toString());

        try (CheckpointStore store = stack.store()) {
            Manifest m = store.get(prefix + "final/", tmp.resolve("final"));
            assertEquals("final", m.kind());
            assertEquals(run.runId(), m.runId());
            assertEquals(1, m.attempt());
            for (String f : List.of("teacher.params", "s1.params", "s2.params", "split.json", "spec.json",
                    "result.json")) {
                assertTrue(m.files().containsKey(f), f + " in " + m.files().keySet());
            }
            assertEquals(run.specHash(), m.provenance().get("specHash"));
            assertTrue(store.exists(prefix + "completed.json"), prefix + "completed.json");
        }
        assertEquals(1, worker.completed());
    }

    /**
     * The orchestrator publishes runs in transactions, whose commit markers follow the last run: once
     * the worker is idle, the group's lag on {@code kdml.runs} (end offset − committed offset, what
     * KEDA scales on) is 0, not the marker's 1.
     */
    @Test
    void aRunPublishedInATransactionLeavesTheGroupNoLag() throws Exception {
        RunSpec run = Specs.runs(Specs.parse(SPEC.replace("seeds: [1]", "seeds: [2]"), "worker-it.yaml")).get(0);
        try (KafkaProducer<String, String> tx = Clients.producer(stack.config().bootstrap(), "it-orchestrator")) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(Topics.RUNS.record(run.runId(), RunMessage.of(run, 1, 1)));
            tx.commitTransaction();
        }
        stack.probe().await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                && EventType.COMPLETED.wire().equals(n.path("type").asText()), 1, IDLE, "the completion of " + run.runId());
        Map<TopicPartition, Long> end = stack.probe().endOffsets(Topics.RUNS);
        Await.until(() -> {
            Map<TopicPartition, Long> committed = stack.probe().committed(TrainerWorker.GROUP, Topics.RUNS);
            return end.entrySet().stream().allMatch(e -> e.getValue() == 0
                    || committed.getOrDefault(e.getKey(), -1L).equals(e.getValue()));
        }, Duration.ofSeconds(30), "no lag on kdml.runs: committed offsets at the end offsets " + end);
    }

    @Test
    void aMessageThatIsNotARunIsDeadLettered() {
        String input = "not a run: " + getClass().getSimpleName();
        stack.publish(Topics.RUNS, "not-a-run", input);
        JsonNode letter = stack.probe().await(Topics.DLQ, n -> input.equals(n.path("input").asText()), 1, IDLE,
                "the dead letter of '" + input + "'").get(0);
        assertEquals("trainer-worker", letter.path("service").asText(), letter.toString());
        assertEquals(Topics.RUNS.name(), letter.path("source").asText(), letter.toString());
        assertEquals("run", letter.path("field").asText(), letter.toString());
        assertTrue(!letter.path("reason").asText().isBlank(), letter.toString());
        stack.probe().awaitProcessed(TrainerWorker.GROUP, Topics.RUNS, IDLE);
        assertEquals(List.of(), stack.probe().messages(Topics.EVENTS, n -> "not-a-run".equals(n.path("runId").asText())));
    }
}
