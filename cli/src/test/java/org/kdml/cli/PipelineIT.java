package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.evaluator.Evaluator;
import org.kdml.orchestrator.Orchestrator;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.worker.TrainerWorker;

/**
 * The pipeline end to end against the embedded KRaft broker and S3 server, with real clients:
 * specs in, runs trained, checkpoints with manifests in S3, metrics and CKA on kdml.results;
 * invalid specs to the dead-letter topic; a worker stopped mid-run and the run resumed elsewhere;
 * two workers sharing a grid.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {

    @TempDir
    static Path tmp;
    static Stack stack;

    private static String spec(String name, String modes, String seeds, int epochs) {
        return String.join("\n",
                "name: " + name,
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: " + modes,
                "versions: [v3]",
                "seeds: " + seeds,
                "training: {epochs: " + epochs + ", teacherEpochs: 1, batchSize: 32, learningRate: 0.002}",
                "");
    }

    @BeforeAll
    static void up() throws Exception {
        stack = new Stack(new Stack.Settings(tmp.resolve("stack"), 0, 0, 0, 0, 1, 32)).start(Map.of(
                "KDML_S3_ACCESS_KEY", "it-access", "KDML_S3_SECRET_KEY", "it-secret-value"));
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /** Publishes a spec as raw bytes, as any Kafka client would; returns where it landed. */
    private static RecordMetadata publish(byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.config().bootstrap()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            return raw.send(new ProducerRecord<>(Topics.SPECS, null, value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static List<JsonNode> read(String topic, Predicate<JsonNode> filter) throws Exception {
        return readAfter(topic, Map.of(), filter);
    }

    /** The messages of {@code topic} that pass {@code filter}, only those after {@code after} (partition → offset). */
    private static List<JsonNode> readAfter(String topic, Map<Integer, Long> after, Predicate<JsonNode> filter)
            throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(stack.config().bootstrap(), topic,
                Duration.ofSeconds(60))) {
            if (r.offset() <= after.getOrDefault(r.partition(), -1L)) {
                continue;
            }
            JsonNode n = Specs.json().readTree(r.value());
            if (filter.test(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Offset of the newest message in each partition of {@code topic} that has one. */
    private static Map<Integer, Long> lastOffsets(String topic) {
        Map<Integer, Long> last = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(stack.config().bootstrap(), topic,
                Duration.ofSeconds(60))) {
            last.merge(r.partition(), r.offset(), Math::max);
        }
        return last;
    }

    /** A condition that a wait polls. */
    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails after {@code seconds} naming what was awaited and the state. */
    private static void await(String what, int seconds, Condition condition, Supplier<String> state)
            throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + seconds + " s for " + what + "; " + state.get());
            }
            Thread.sleep(200); // the polling interval of this condition wait, not a wait of its own
        }
    }

    private static List<JsonNode> await(String topic, Predicate<JsonNode> filter, int count, int seconds)
            throws Exception {
        return awaitAfter(topic, Map.of(), filter, count, seconds);
    }

    /** Waits for {@code count} messages on {@code topic} after {@code after} that pass {@code filter}. */
    private static List<JsonNode> awaitAfter(String topic, Map<Integer, Long> after, Predicate<JsonNode> filter,
            int count, int seconds) throws Exception {
        List<List<JsonNode>> got = new ArrayList<>(List.of(List.of()));
        await(count + " messages on " + topic + " after offsets " + after, seconds, () -> {
            got.set(0, readAfter(topic, after, filter));
            return got.get(0).size() >= count;
        }, () -> "got " + got.get(0).size() + ": " + got.get(0));
        return got.get(0);
    }

    /**
     * Waits until consumer group {@code group} has committed offsets past every message now on
     * {@code topic}. The services commit their offsets in the transaction of what they produce,
     * so afterwards everything they make of those messages is readable.
     */
    private static void awaitProcessed(String group, String topic, int seconds) throws Exception {
        Map<Integer, Long> last = lastOffsets(topic);
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.config().bootstrap()))) {
            await(group + " to process " + topic + " up to offsets " + last, seconds, () -> {
                committed.clear();
                committed.putAll(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS));
                return last.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata c = committed.get(new TopicPartition(topic, e.getKey()));
                    return c != null && c.offset() > e.getValue();
                });
            }, () -> "committed " + committed);
        }
    }

    /** The dead letter of the spec that landed at {@code spec}. */
    private static Predicate<JsonNode> deadLetterOf(RecordMetadata spec) {
        return n -> Topics.SPECS.equals(n.path("source").asText()) && n.path("partition").asInt() == spec.partition()
                && n.path("offset").asLong() == spec.offset();
    }

    /**
     * While S3 is stopped, listens on its port and returns once a client has tried to reach it
     * (the connection is reset at once, as a failed server would): the outage has then been met.
     */
    private static void awaitS3Attempt(int seconds) throws Exception {
        int port = URI.create(stack.config().s3Endpoint()).getPort();
        try (ServerSocket trap = new ServerSocket()) {
            trap.setReuseAddress(true);
            trap.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            trap.setSoTimeout(seconds * 1000);
            try (Socket client = trap.accept()) {
                client.setSoLinger(true, 0);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no client tried S3 in the " + seconds + " s it was down");
            }
        }
    }

    private static Predicate<JsonNode> of(String experiment, String field, String value) {
        return n -> experiment.equals(n.path("experiment").asText()) && value.equals(n.path(field).asText());
    }

    @Test
    @Order(1)
    void invalidSpecsGoToTheDeadLetterTopicAndTheNextValidSpecCompletes() throws Exception {
        Map<Integer, Long> dlqBefore = lastOffsets(Topics.DLQ);
        String brokenSpec = "name: broken\ntraining: {epochs: -3}\n";
        byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
        RecordMetadata broken = publish(brokenSpec.getBytes(StandardCharsets.UTF_8));
        RecordMetadata binary = publish(notUtf8);
        String good = spec("grid", "[kd-off, kd-ml]", "[1]", 2);
        publish(good.getBytes(StandardCharsets.UTF_8));
        // The dead letters of these two inputs, among those written since they were sent.
        JsonNode brokenLetter = awaitAfter(Topics.DLQ, dlqBefore, deadLetterOf(broken), 1, 60).get(0);
        JsonNode binaryLetter = awaitAfter(Topics.DLQ, dlqBefore, deadLetterOf(binary), 1, 60).get(0);
        assertEquals("orchestrator", brokenLetter.path("service").asText(), brokenLetter.toString());
        assertTrue(brokenLetter.path("field").asText().startsWith("training.epochs")
                || brokenLetter.path("reason").asText().contains("training.epochs"), brokenLetter.toString());
        assertEquals(brokenSpec, brokenLetter.path("input").asText());
        assertEquals("orchestrator", binaryLetter.path("service").asText(), binaryLetter.toString());
        assertTrue(binaryLetter.path("reason").asText().contains("not UTF-8"), binaryLetter.toString());
        assertEquals("base64:" + Base64.getEncoder().encodeToString(notUtf8), binaryLetter.path("input").asText());

        TrainerWorker worker = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-grid").start();
        try {
            List<JsonNode> metrics = await(Topics.RESULTS, of("grid", "kind", "metrics"), 2, 300);
            List<JsonNode> cka = await(Topics.RESULTS, of("grid", "kind", "cka"), 2, 120);
            List<RunSpec> runs = Specs.runs(Specs.parse(good, "grid.yaml"));
            for (RunSpec run : runs) {
                assertEquals(1, metrics.stream().filter(n -> n.get("runId").asText().equals(run.runId())).count());
                JsonNode payload = metrics.stream().filter(n -> n.get("runId").asText().equals(run.runId()))
                        .findFirst().orElseThrow().get("payload");
                double acc = payload.get("networks").get("ensemble").get("test").get("accuracy").asDouble();
                assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
                assertTrue(payload.get("networks").get("s1").has("fidelity"));
                JsonNode pairs = cka.stream().filter(n -> n.get("runId").asText().equals(run.runId())).findFirst()
                        .orElseThrow().get("payload").get("pairs");
                assertTrue(pairs.has("teacher-s1") && pairs.has("teacher-s2") && pairs.has("s1-s2"), pairs.toString());
                for (JsonNode pair : pairs) {
                    assertEquals(pair.get("rows").size(), pair.get("values").size(), pair.toString());
                    int nulls = 0;
                    for (JsonNode row : pair.get("values")) {
                        for (JsonNode cell : row) {
                            nulls += cell.isNull() ? 1 : 0;
                        }
                    }
                    assertEquals(nulls, pair.get("undefined").size(), pair.toString());
                }
            }
            try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(20))) {
                String prefix = CheckpointStore.runPrefix("grid", runs.get(0).runId());
                Manifest m = store.get(prefix + "final/", tmp.resolve("final-check"));
                assertTrue(m.files().containsKey("s1.params") && m.files().containsKey("split.json"), m.files().toString());
                assertEquals(runs.get(0).specHash(), m.provenance().get("specHash"));
                assertTrue(store.exists(prefix + "cka/cka-teacher-s1.png"));
            }
            // Re-publishing the same spec adds no run and no result.
            int before = read(Topics.RUNS, of("grid", "experiment", "grid")).size();
            publish(good.getBytes(StandardCharsets.UTF_8));
            awaitProcessed(Orchestrator.GROUP, Topics.SPECS, 60);
            assertEquals(before, read(Topics.RUNS, of("grid", "experiment", "grid")).size());
            assertEquals(2, read(Topics.RESULTS, of("grid", "kind", "metrics")).size());
        } finally {
            worker.close();
        }
    }

    @Test
    @Order(2)
    void aWorkerStoppedMidRunIsResumedFromItsCheckpointByAnotherAndYieldsOneResult() throws Exception {
        String s = spec("resume", "[kd-ml]", "[4]", 6);
        RunSpec run = Specs.runs(Specs.parse(s, "resume.yaml")).get(0);
        TrainerWorker first = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-first").start();
        publish(s.getBytes(StandardCharsets.UTF_8));
        await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                && "checkpointed".equals(n.path("type").asText()) && n.path("epoch").asInt() >= 2, 1, 300);
        first.close();
        TrainerWorker second = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-second").start();
        try {
            await(Topics.RESULTS, of("resume", "kind", "metrics"), 1, 300);
            List<JsonNode> started = read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "started".equals(n.path("type").asText()));
            JsonNode resumed = started.get(started.size() - 1);
            assertEquals("w-second", resumed.get("worker").asText());
            assertTrue(resumed.path("reason").asText().startsWith("resuming from resume/" + run.runId()
                    + "/epoch-joint-000"), resumed.toString());
            List<JsonNode> completed = read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "completed".equals(n.path("type").asText()));
            assertEquals(1, completed.size(), completed.toString());
            // Every event, a duplicate completion included, has been through the evaluator.
            awaitProcessed(Evaluator.GROUP, Topics.EVENTS, 60);
            assertEquals(1, read(Topics.RESULTS, of("resume", "kind", "metrics")).size());
            // The epochs before the checkpoint were not trained again.
            List<JsonNode> epochs = read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "epoch".equals(n.path("type").asText()) && "w-second".equals(n.path("worker").asText()));
            assertTrue(epochs.get(0).get("epoch").asInt() >= 3, epochs.get(0).toString());
        } finally {
            second.close();
        }
    }

    @Test
    @Order(3)
    void twoWorkersShareAGrid() throws Exception {
        TrainerWorker a = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-a").start();
        TrainerWorker b = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-b").start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.config().bootstrap()))) {
            List<ConsumerGroupDescription> group = new ArrayList<>(List.of(workerGroup(admin)));
            await("two workers with 3 of the 6 partitions each", 60, () -> {
                group.set(0, workerGroup(admin));
                return splitEvenly(group.get(0));
            }, () -> group.get(0).toString());
            String s = spec("shared", "[ml, kd-on]", "[1, 2, 3]", 1);
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.RESULTS, of("shared", "kind", "metrics"), 6, 400);
            ConsumerGroupDescription after = workerGroup(admin);
            assertTrue(splitEvenly(after), after.toString());
            Map<String, Integer> perRun = new HashMap<>();
            read(Topics.EVENTS, of("shared", "type", "completed"))
                    .forEach(n -> perRun.merge(n.get("runId").asText(), 1, Integer::sum));
            assertEquals(6, perRun.size());
            assertTrue(perRun.values().stream().allMatch(c -> c == 1), perRun.toString());
            assertEquals(6, a.completed() + b.completed());
        } finally {
            a.close();
            b.close();
        }
    }

    private static ConsumerGroupDescription workerGroup(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(TrainerWorker.GROUP)).all().get(30, TimeUnit.SECONDS)
                .get(TrainerWorker.GROUP);
    }

    /** Two members, 3 of {@code kdml.runs}' 6 partitions each. */
    private static boolean splitEvenly(ConsumerGroupDescription group) {
        return group.members().size() == 2
                && group.members().stream().allMatch(m -> m.assignment().topicPartitions().size() == 3);
    }

    @Test
    @Order(4)
    void aBrokerRestartAndAnS3OutageMidGridLoseAndDuplicateNothing() throws Exception {
        String s = spec("outage", "[kd-on, ml]", "[7]", 4);
        List<RunSpec> runs = Specs.runs(Specs.parse(s, "outage.yaml"));
        TrainerWorker w = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-outage").start();
        try {
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.EVENTS, n -> "outage".equals(n.path("experiment").asText())
                    && "checkpointed".equals(n.path("type").asText()), 1, 300);
            stack.restartKafka();
            long restarted = System.currentTimeMillis();
            // The worker is back on the broker: an event made after the restart has arrived.
            await(Topics.EVENTS, n -> "outage".equals(n.path("experiment").asText())
                    && n.path("time").asLong() >= restarted, 1, 120);
            stack.stopS3();
            try {
                awaitS3Attempt(120);
            } finally {
                stack.startS3();
            }
            List<JsonNode> metrics = await(Topics.RESULTS, of("outage", "kind", "metrics"), 2, 400);
            await(Topics.RESULTS, of("outage", "kind", "cka"), 2, 200);
            // Nothing is pending that could still duplicate: every run's offset is committed with its
            // completion, and every event has been through the evaluator.
            awaitProcessed(TrainerWorker.GROUP, Topics.RUNS, 120);
            awaitProcessed(Evaluator.GROUP, Topics.EVENTS, 120);
            Map<String, Integer> completions = new HashMap<>();
            read(Topics.EVENTS, of("outage", "type", "completed"))
                    .forEach(n -> completions.merge(n.get("runId").asText(), 1, Integer::sum));
            Map<String, Integer> results = new HashMap<>();
            read(Topics.RESULTS, of("outage", "kind", "metrics"))
                    .forEach(n -> results.merge(n.get("runId").asText(), 1, Integer::sum));
            for (RunSpec run : runs) {
                assertEquals(1, completions.getOrDefault(run.runId(), 0), completions.toString());
                assertEquals(1, results.getOrDefault(run.runId(), 0), results.toString());
            }
            assertEquals(2, metrics.size());
        } finally {
            w.close();
        }
    }

    @Test
    @Order(5)
    void aPoisonRunIsRetriedWithBackoffThenParkedAsFailedWithoutBlockingTheNextRun() throws Exception {
        Path empty = java.nio.file.Files.createDirectories(tmp.resolve("empty-pcam"));
        String poison = String.join("\n", "name: poison", "dataset: {kind: pcam, root: " + empty + ", imageSize: 32}",
                "students: [resnet18-tiny, resnet18-tiny]", "modes: [ml]", "versions: [v1]", "seeds: [1]",
                "training: {epochs: 1, batchSize: 16}", "");
        TrainerWorker w = new TrainerWorker(stack.config(), new TrainerWorker.Options(1, 3, Duration.ofMillis(200),
                Duration.ofMinutes(1)), "w-poison").start();
        try {
            publish(poison.getBytes(StandardCharsets.UTF_8));
            List<JsonNode> failed = await(Topics.EVENTS, n -> "poison".equals(n.path("experiment").asText())
                    && "failed".equals(n.path("type").asText()), 3, 120);
            assertTrue(failed.get(0).get("reason").asText().startsWith("attempt 1 of 3, retrying: "), failed.toString());
            assertTrue(failed.get(2).get("reason").asText().startsWith("attempt 3 of 3, giving up: "), failed.toString());
            assertTrue(failed.get(2).get("reason").asText().contains(empty.toString()), failed.get(2).toString());
            // The partition is not blocked: the next spec's run completes.
            publish(spec("after-poison", "[ml]", "[1]", 1).getBytes(StandardCharsets.UTF_8));
            await(Topics.RESULTS, of("after-poison", "kind", "metrics"), 1, 200);
            assertEquals(0, read(Topics.EVENTS, of("poison", "type", "completed")).size());
        } finally {
            w.close();
        }
    }

    @Test
    @Order(6)
    void aCorruptCheckpointIsRefusedByItsChecksumAndTheRunFallsBackToThePreviousOne() throws Exception {
        String s = spec("corrupt", "[kd-ml]", "[9]", 6);
        RunSpec run = Specs.runs(Specs.parse(s, "corrupt.yaml")).get(0);
        String prefix = CheckpointStore.runPrefix("corrupt", run.runId());
        TrainerWorker first = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-c1").start();
        publish(s.getBytes(StandardCharsets.UTF_8));
        await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                && "checkpointed".equals(n.path("type").asText()) && n.path("epoch").asInt() >= 3, 1, 300);
        first.close();
        String newest;
        try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(20))) {
            List<String> good = store.epochCheckpoints(prefix);
            assertTrue(good.size() >= 2, good.toString());
            newest = good.get(good.size() - 1);
            byte[] b = store.getBytes(newest + "s1.params");
            b[b.length / 2] ^= 0x01;
            store.putBytes(newest + "s1.params", b);
        }
        TrainerWorker second = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-c2").start();
        try {
            await(Topics.RESULTS, of("corrupt", "kind", "metrics"), 1, 300);
            List<JsonNode> started = read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "started".equals(n.path("type").asText()) && "w-c2".equals(n.path("worker").asText()));
            assertTrue(started.get(0).get("reason").asText().startsWith("checkpoint refused: " + newest
                    + "s1.params: SHA-256 "), started.toString());
            assertTrue(started.get(0).get("reason").asText().contains("; falling back to "), started.toString());
            assertTrue(started.get(1).get("reason").asText().startsWith("resuming from "), started.toString());
            assertTrue(!started.get(1).get("reason").asText().contains(newest), started.toString());
            assertEquals(1, read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "completed".equals(n.path("type").asText())).size());
        } finally {
            second.close();
        }
    }

    @Test
    @Order(7)
    void s3RefusingWritesFailsTheAttemptVisiblyAndTheRunIsRetriedLater() throws Exception {
        String s = spec("refused", "[ml]", "[3]", 3);
        RunSpec run = Specs.runs(Specs.parse(s, "refused.yaml")).get(0);
        TrainerWorker w = new TrainerWorker(stack.config(), new TrainerWorker.Options(1, 10, Duration.ofMillis(500),
                Duration.ofSeconds(2)), "w-refused").start();
        try {
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "started".equals(n.path("type").asText()), 1, 120);
            stack.stopS3();
            try {
                List<JsonNode> failed = await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                        && "failed".equals(n.path("type").asText()), 1, 120);
                assertTrue(failed.get(0).get("reason").asText().contains("retrying"), failed.toString());
                assertEquals(0, read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                        && "completed".equals(n.path("type").asText())).size());
            } finally {
                stack.startS3();
            }
            await(Topics.RESULTS, of("refused", "kind", "metrics"), 1, 300);
            assertEquals(1, read(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && "completed".equals(n.path("type").asText())).size());
        } finally {
            w.close();
        }
    }
}
