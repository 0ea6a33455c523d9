package org.kdml.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.EmbeddedKafka;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.mlflow.MlflowClient.Metric;
import org.kdml.mlflow.MlflowTestServer.StoredRun;
import org.kdml.mlflow.QuickStartMessages.Sent;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.Topics;

/**
 * The bridge on a real broker against the stand-in MLflow server ({@link MlflowTestServer}): two
 * quick-start runs' messages, as the pipeline writes them, end up as one experiment with one
 * finished run each, every metric once per step; a bridge stopped mid-stream and started again,
 * and one started with no offsets at all, add nothing; a tracking server answering 503 for a
 * while only delays the mirror; unreadable input and requests MLflow refuses are dead-lettered.
 *
 * <p>The tests share one broker and run in order: each bridge of a new consumer group reads the
 * topics from their beginning, so later tests also see the earlier tests' messages.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlflowBridgeIT {

    /** How long a wait may go without progress before it fails. */
    private static final Duration IDLE = Duration.ofMinutes(2);

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;
    static EmbeddedStack.Probe probe;

    @BeforeAll
    static void up() throws Exception {
        kafka = new EmbeddedKafka(tmp.resolve("kafka"), 0).start();
        probe = new EmbeddedStack.Probe(kafka.bootstrap());
    }

    @AfterAll
    static void down() {
        if (probe != null) {
            probe.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static MlflowBridge bridge(MlflowTestServer server, String group, Duration retry) {
        return new MlflowBridge(new MlflowBridge.Settings(kafka.bootstrap(), server.uri(), PipelineConfig.BUCKET,
                group, retry)).start();
    }

    /** Publishes each message to its topic, as the orchestrator, the worker and the services do. */
    private static void publish(List<Sent> messages) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(kafka.bootstrap(), null)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Sent s : messages) {
                if (s.run() != null) {
                    sent.add(p.send(Topics.RUNS.record(s.run().runId(), s.run())));
                } else if (s.event() != null) {
                    sent.add(p.send(Topics.EVENTS.record(s.event().runId(), s.event())));
                } else {
                    ResultMessage m = s.result();
                    sent.add(p.send(Topics.RESULTS.record(m.runId() != null ? m.runId() : m.experiment(), m)));
                }
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitProcessed(String group) {
        probe.awaitProcessed(group, Topics.EVENTS, IDLE);
        probe.awaitProcessed(group, Topics.RESULTS, IDLE);
    }

    private static StoredRun runOf(MlflowTestServer server, RunMessage run) {
        List<StoredRun> found = server.runs().stream()
                .filter(r -> run.runId().equals(r.tags().get(MlflowRecords.RUN_ID_TAG))).toList();
        assertEquals(1, found.size(), "MLflow runs of kdml run " + run.runId() + ": " + found);
        return found.get(0);
    }

    /** Every metric row of {@code r} is the only one of its key and step. */
    private static void assertNoMetricTwice(StoredRun r) {
        Set<String> seen = new HashSet<>();
        for (Metric m : r.metrics()) {
            assertTrue(seen.add(m.key() + "@" + m.step()), "logged twice: " + m + " in run " + r.name());
        }
    }

    private static List<Long> steps(StoredRun r, String key) {
        return r.history(key).stream().map(Metric::step).toList();
    }

    /** @return steps {@code from}…{@code to} */
    private static List<Long> range(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> (long) i).toList();
    }

    private static List<Double> values(StoredRun r, String key) {
        return r.history(key).stream().map(Metric::value).toList();
    }

    @Test
    @Order(1)
    void mirrorsTheQuickStartOnceThroughARestartAndLostOffsets() throws Exception {
        RunMessage kdOff = QuickStartMessages.run("kd-off-v1", 1);
        RunMessage kdMl = QuickStartMessages.run("kd-ml-v3", 2);
        List<Sent> a = QuickStartMessages.all(kdOff, QuickStartMessages.T0);
        List<Sent> b = QuickStartMessages.all(kdMl, QuickStartMessages.T0 + 100_000);
        try (MlflowTestServer server = new MlflowTestServer()) {
            // The first half of both runs, then a bridge stopped as soon as it has mirrored part of it.
            List<Sent> first = new ArrayList<>(a.subList(0, a.size() / 2));
            first.addAll(b.subList(0, b.size() / 2));
            publish(first);
            try (MlflowBridge bridge = bridge(server, "it-mlflow-a", Duration.ofMinutes(1))) {
                Await.until(() -> server.metricRows() >= 20, server::metricRows, IDLE,
                        () -> "20 metric rows; got " + server.metricRows());
            }
            List<Sent> rest = new ArrayList<>(a.subList(a.size() / 2, a.size()));
            rest.addAll(b.subList(b.size() / 2, b.size()));
            // The reporter's report of the experiment, once both runs are in.
            rest.add(new Sent(null, null, QuickStartMessages.report("quickstart", QuickStartMessages.T0 + 200_000)));
            publish(rest);
            try (MlflowBridge bridge = bridge(server, "it-mlflow-a", Duration.ofMinutes(1))) {
                awaitProcessed("it-mlflow-a");
                assertEquals(0, bridge.refused());
            }

            assertEquals(List.of(new MlflowTestServer.Experiment("1", "quickstart")), server.experiments());
            assertEquals(Map.of("kdml.report.report.html", "s3://kdml-checkpoints/quickstart/report/report/report.html",
                    "kdml.report.report.md", "s3://kdml-checkpoints/quickstart/report/report/report.md"),
                    server.experimentTags("1"), "the report's links on the experiment");
            assertEquals(2, server.runs().size());
            StoredRun off = runOf(server, kdOff);
            assertEquals("1", off.experimentId());
            assertEquals("kd-off-v1-seed1", off.name());
            assertEquals("FINISHED", off.status());
            long completedAt = a.stream().filter(s -> s.event() != null && s.event().type() == EventType.COMPLETED)
                    .findFirst().orElseThrow().event().time();
            assertEquals(completedAt, off.endTime());
            assertEquals("kd-off-v1", off.tags().get("kdml.variant"));
            assertEquals("1", off.tags().get("kdml.seed"));
            assertEquals(kdOff.specHash(), off.tags().get("kdml.spec_hash"));
            assertEquals("it-worker", off.tags().get("kdml.worker"));
            String prefix = "s3://kdml-checkpoints/quickstart/" + kdOff.runId() + "/";
            assertEquals(prefix + "final/", off.tags().get("kdml.artifact.checkpoint"));
            assertEquals(prefix + "results/result.json", off.tags().get("kdml.artifact.result"));
            assertEquals(prefix + "cka/cka.json", off.tags().get("kdml.artifact.cka"));
            assertEquals(prefix + "cka/cka-teacher-s1.png", off.tags().get("kdml.artifact.cka.teacher-s1"));
            assertEquals(prefix + "cka/cka-s1-s2.png", off.tags().get("kdml.artifact.cka.s1-s2"));
            assertEquals("quickstart", off.params().get("name"));
            assertEquals("6", off.params().get("training.epochs"));
            assertEquals("15", off.params().get("training.teacherEpochs"));
            assertEquals("[\"kd-off\",\"kd-on\",\"ml\",\"kd-ml\"]", off.params().get("modes"));
            assertEquals(MlflowRecords.params(kdOff.spec()).size(), off.params().size());

            // kd-off: the teacher's phase is steps 1-15, the joint phase 16-21; term values 1/epoch.
            assertEquals(range(1, 15), steps(off, "teacher/task"));
            assertEquals(range(16, 21), steps(off, "s1/task"));
            assertEquals(List.of(1.0, 0.5, 1 / 3.0, 0.25, 0.2, 1 / 6.0), values(off, "s1/predictions.from.teacher"));
            assertEquals(range(1, 21), steps(off, "val/s1/accuracy"));
            assertEquals(0.51, off.history("val/s1/accuracy").get(15).value(), 1e-12);
            assertEquals(List.of(0L), steps(off, "test/s1/accuracy"));
            assertEquals(List.of(0.9), values(off, "test/ensemble/accuracy"));
            assertEquals(List.of(), off.history("test/s2/auc"));
            assertNoMetricTwice(off);
            // Teacher phase: 2 terms + 4 scores + wall time, 15 epochs; joint: 6 terms + 4 + 1, 6 epochs;
            // 22 test metrics.
            assertEquals(7 * 15 + 11 * 6 + 22, off.metrics().size());

            StoredRun ml = runOf(server, kdMl);
            assertEquals("FINISHED", ml.status());
            assertEquals(range(1, 6), steps(ml, "s1/task"));
            assertEquals(List.of(), ml.history("teacher/task"), "the teacher trains in the joint phase under kd-ml");
            assertEquals(range(1, 6), steps(ml, "val/teacher/accuracy"));
            assertNoMetricTwice(ml);

            // Offsets lost: a bridge of a new group reads everything again and adds nothing.
            List<StoredRun> before = server.runs();
            int creates = server.calls("runs/create");
            try (MlflowBridge bridge = bridge(server, "it-mlflow-a-lost", Duration.ofMinutes(1))) {
                awaitProcessed("it-mlflow-a-lost");
                // Every event and result of both runs (their run messages are on kdml.runs, which it reads
                // whole), and the experiment's report.
                assertEquals(a.size() + b.size() - 2 + 1, bridge.mirrored());
            }
            assertEquals(before, server.runs());
            assertEquals(creates, server.calls("runs/create"));
            assertEquals(1, server.calls("experiments/create"));
            assertEquals(2, server.experimentTags("1").size(), "the report's tags, set again, not added");
        }
    }

    @Test
    @Order(2)
    void aTrackingServerAnswering503OnlyDelaysTheMirror() throws Exception {
        RunMessage run = QuickStartMessages.run("quickstart-outage", "kd-on-v1", 1);
        try (MlflowTestServer server = new MlflowTestServer()) {
            server.unavailable(true);
            publish(QuickStartMessages.all(run, QuickStartMessages.T0 + 200_000));
            // Retries for 2 s, then the loop starts again from the committed offsets: both paths run.
            try (MlflowBridge bridge = bridge(server, "it-mlflow-outage", Duration.ofSeconds(2))) {
                Await.until(() -> server.unavailableAnswers() >= 8, server::unavailableAnswers, IDLE,
                        () -> "8 requests answered 503; got " + server.unavailableAnswers());
                assertEquals(Map.of(), probe.committed("it-mlflow-outage", Topics.EVENTS),
                        "nothing is committed while MLflow is down");
                assertEquals(List.of(), server.runs());
                server.unavailable(false);
                awaitProcessed("it-mlflow-outage");
                assertEquals(0, bridge.refused());
            }
            StoredRun r = runOf(server, run);
            assertEquals("FINISHED", r.status());
            assertEquals(range(1, 6), steps(r, "s1/task"));
            assertEquals(List.of(0.9), values(r, "test/s1/accuracy"));
            assertEquals(1, server.experiments().stream().filter(e -> e.name().equals("quickstart-outage")).count());
            server.runs().forEach(MlflowBridgeIT::assertNoMetricTwice);
        }
    }

    @Test
    @Order(3)
    void unreadableInputAndRefusedRequestsAreDeadLetteredAndTheBridgeGoesOn() throws Exception {
        RunMessage refused = QuickStartMessages.run("refused", "ml-v1", 1);
        try (MlflowTestServer server = new MlflowTestServer()) {
            server.refuseExperiment("refused");
            probe.publishBytes(Topics.EVENTS, "x", "{\"type\": \"exploded\"}".getBytes(StandardCharsets.UTF_8));
            publish(QuickStartMessages.all(refused, QuickStartMessages.T0 + 300_000).subList(0, 2));
            try (MlflowBridge bridge = bridge(server, "it-mlflow-dlq", Duration.ofMinutes(1))) {
                awaitProcessed("it-mlflow-dlq");
                assertEquals(2, bridge.refused());
            }
            List<JsonNode> letters = probe.messages(Topics.DLQ, n -> MlflowBridge.SERVICE.equals(n.path("service")
                    .asText()));
            assertEquals(2, letters.size(), letters.toString());
            JsonNode bad = letters.stream().filter(n -> n.path("field").asText().equals("value")).findFirst()
                    .orElseThrow();
            assertEquals("kdml.events", bad.path("source").asText());
            assertTrue(bad.path("reason").asText().startsWith("not a message of kdml.events: kdml.events: not a"
                    + " RunEvent"), bad.path("reason").asText());
            JsonNode no = letters.stream().filter(n -> n.path("field").asText().equals("mlflow")).findFirst()
                    .orElseThrow();
            assertTrue(no.path("reason").asText().startsWith("MLflow refused the queued event of run "
                    + refused.runId() + ": experiments/create: HTTP 400 INVALID_PARAMETER_VALUE"), no.path("reason")
                    .asText());
            // It went on: the earlier tests' runs are mirrored here too, and the refused experiment is not.
            assertFalse(server.experiments().stream().anyMatch(e -> e.name().equals("refused")));
            assertEquals(3, server.runs().size());
            assertTrue(server.runs().stream().allMatch(r -> r.status().equals("FINISHED")), server.runs().toString());
        }
    }
}
