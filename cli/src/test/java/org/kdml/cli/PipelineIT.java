package org.kdml.cli;

import org.kdml.tools.Stack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.EmbeddedStack.Probe;
import org.kdml.evaluator.Evaluator;
import org.kdml.orchestrator.Orchestrator;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.worker.TrainerWorker;

/**
 * The pipeline end to end against the embedded KRaft broker and S3 server, with real clients:
 * specs in, runs trained, checkpoints with manifests in S3, metrics and CKA on kdml.results;
 * invalid specs to the dead-letter topic; a worker stopped mid-run and the run resumed elsewhere;
 * two workers sharing a grid; a broker restart and S3 outages.
 *
 * <p>The tests share one stack (orchestrator, evaluator, CKA analyzer; each test starts the
 * workers it needs and stops them) but not their data: each publishes its own experiment and
 * checks only that experiment's runs, so that they pass in any order and whatever another left
 * behind. The broker-restart test starts a stack of its own. Every wait is on progress: it fails
 * only when nothing is written to any topic for {@link #IDLE}.
 */
class PipelineIT {

    /** How long the pipeline may write nothing at all before a wait fails (a worker writes an event per epoch). */
    private static final Duration IDLE = Duration.ofMinutes(2);
    private static final Map<String, String> ENV = Map.of("KDML_S3_ACCESS_KEY", "it-access", "KDML_S3_SECRET_KEY",
            "it-secret-value");

    @TempDir
    static Path tmp;
    static Stack stack;
    static Probe probe;

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

    private static Stack startStack(Path dir) throws Exception {
        return new Stack(Stack.Settings.in(dir)).start(ENV);
    }

    @BeforeAll
    static void up() throws Exception {
        stack = startStack(tmp.resolve("stack"));
        probe = new Probe(stack.config().bootstrap());
    }

    @AfterAll
    static void down() throws Exception {
        if (probe != null) {
            probe.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /** Publishes a spec as raw bytes, as any Kafka client would; returns where it landed. */
    private static RecordMetadata publish(Probe p, byte[] value) {
        return p.publishBytes(Topics.SPECS, null, value);
    }

    private static RecordMetadata publish(byte[] value) {
        return publish(probe, value);
    }

    private static List<JsonNode> read(Topic<?> topic, Predicate<JsonNode> filter) {
        return probe.messages(topic, filter);
    }

    /** Waits for {@code count} messages on {@code topic} that pass {@code filter}, while the pipeline makes progress. */
    private static List<JsonNode> await(Topic<?> topic, Predicate<JsonNode> filter, int count, String what) {
        return probe.await(topic, filter, count, IDLE, what);
    }

    /** The dead letter of the spec that landed at {@code spec}. */
    private static Predicate<JsonNode> deadLetterOf(RecordMetadata spec) {
        return n -> Topics.SPECS.name().equals(n.path("source").asText()) && n.path("partition").asInt() == spec.partition()
                && n.path("offset").asLong() == spec.offset();
    }

    /**
     * While S3 is stopped, listens on its port and returns once a client has tried to reach it
     * (the connection is reset at once, as a failed server would): the outage has then been met.
     * Fails only when the pipeline writes nothing for {@link #IDLE} and no client came.
     */
    private static void awaitS3Attempt(Stack s, Probe p) throws Exception {
        int port = URI.create(s.config().s3Endpoint()).getPort();
        try (ServerSocket trap = new ServerSocket()) {
            trap.setReuseAddress(true);
            trap.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            trap.setSoTimeout(200);
            Await.until(() -> accepted(trap), p::activity, IDLE,
                    () -> "a client to try S3 on port " + port + " while it is down");
        }
    }

    /** @return whether a client connected (it is reset at once) within the trap's socket timeout */
    private static boolean accepted(ServerSocket trap) {
        try (Socket client = trap.accept()) {
            client.setSoLinger(true, 0);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Predicate<JsonNode> of(String experiment, String field, String value) {
        return n -> experiment.equals(n.path("experiment").asText()) && value.equals(n.path(field).asText());
    }

    private static Predicate<JsonNode> event(RunSpec run, String type) {
        return n -> run.runId().equals(n.path("runId").asText()) && type.equals(n.path("type").asText());
    }

    @Test
    void invalidSpecsGoToTheDeadLetterTopicAndTheNextValidSpecCompletes() throws Exception {
        String brokenSpec = "name: broken\ntraining: {epochs: -3}\n";
        byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
        RecordMetadata broken = publish(brokenSpec.getBytes(StandardCharsets.UTF_8));
        RecordMetadata binary = publish(notUtf8);
        String good = spec("grid", "[kd-off, kd-ml]", "[1]", 2);
        publish(good.getBytes(StandardCharsets.UTF_8));
        // The dead letters of these two inputs: each names the offset its input landed at.
        JsonNode brokenLetter = await(Topics.DLQ, deadLetterOf(broken), 1, "the dead letter of " + broken).get(0);
        JsonNode binaryLetter = await(Topics.DLQ, deadLetterOf(binary), 1, "the dead letter of " + binary).get(0);
        assertEquals("orchestrator", brokenLetter.path("service").asText(), brokenLetter.toString());
        assertTrue(brokenLetter.path("field").asText().startsWith("training.epochs")
                || brokenLetter.path("reason").asText().contains("training.epochs"), brokenLetter.toString());
        assertEquals(brokenSpec, brokenLetter.path("input").asText());
        assertEquals("orchestrator", binaryLetter.path("service").asText(), binaryLetter.toString());
        assertTrue(binaryLetter.path("reason").asText().contains("not UTF-8"), binaryLetter.toString());
        assertEquals("base64:" + Base64.getEncoder().encodeToString(notUtf8),
                binaryLetter.path("input").asText());

        TrainerWorker worker = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-grid").start();
        try {
            List<JsonNode> metrics = await(Topics.RESULTS, of("grid", "kind", "metrics"), 2, "metrics of grid");
            List<JsonNode> cka = await(Topics.RESULTS, of("grid", "kind", "cka"), 2, "CKA of grid");
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
                RunKeys keys = new RunKeys("grid", runs.get(0).runId());
                String prefix = keys.prefix();
                Manifest m = store.get(prefix + "final/", tmp.resolve("final-check"));
                assertTrue(m.files().containsKey("s1.params") && m.files().containsKey("split.json"), m.files().toString());
                assertEquals(runs.get(0).specHash(), m.provenance().get("specHash"));
                assertTrue(store.exists(prefix + "cka/cka-teacher-s1.png"));
            }
            // Re-publishing the same spec adds no run and no result.
            int before = read(Topics.RUNS, of("grid", "experiment", "grid")).size();
            publish(good.getBytes(StandardCharsets.UTF_8));
            probe.awaitProcessed(Orchestrator.GROUP, Topics.SPECS, IDLE);
            assertEquals(before, read(Topics.RUNS, of("grid", "experiment", "grid")).size());
            assertEquals(2, read(Topics.RESULTS, of("grid", "kind", "metrics")).size());
        } finally {
            worker.close();
        }
    }

    @Test
    void aWorkerStoppedMidRunIsResumedFromItsCheckpointByAnotherAndYieldsOneResult() throws Exception {
        String s = spec("resume", "[kd-ml]", "[4]", 6);
        RunSpec run = Specs.runs(Specs.parse(s, "resume.yaml")).get(0);
        TrainerWorker first = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-first").start();
        try {
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.EVENTS, event(run, "checkpointed").and(n -> n.path("epoch").asInt() >= 2), 1,
                    "a checkpoint of joint epoch 2 or later");
        } finally {
            first.close();
        }
        TrainerWorker second = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-second").start();
        try {
            await(Topics.RESULTS, of("resume", "kind", "metrics"), 1, "metrics of resume");
            List<JsonNode> started = read(Topics.EVENTS, event(run, "started"));
            JsonNode resumed = started.get(started.size() - 1);
            assertEquals("w-second", resumed.get("worker").asText());
            assertTrue(resumed.path("reason").asText().startsWith("resuming from resume/" + run.runId()
                    + "/epoch-joint-000"), resumed.toString());
            List<JsonNode> completed = read(Topics.EVENTS, event(run, "completed"));
            assertEquals(1, completed.size(), completed.toString());
            // Every event, a duplicate completion included, has been through the evaluator.
            probe.awaitProcessed(Evaluator.GROUP, Topics.EVENTS, IDLE);
            assertEquals(1, read(Topics.RESULTS, of("resume", "kind", "metrics")).size());
            // The epochs before the checkpoint were not trained again.
            List<JsonNode> epochs = read(Topics.EVENTS, event(run, "epoch")
                    .and(n -> "w-second".equals(n.path("worker").asText())));
            assertTrue(epochs.get(0).get("epoch").asInt() >= 3, epochs.get(0).toString());
        } finally {
            second.close();
        }
    }

    @Test
    void twoWorkersShareAGrid() throws Exception {
        TrainerWorker a = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-a").start();
        TrainerWorker b = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-b").start();
        try (Admin admin = Clients.admin(stack.config().bootstrap())) {
            List<ConsumerGroupDescription> group = new ArrayList<>(List.of(workerGroup(admin)));
            // The group settles in a few rebalances; each changes its description.
            Await.until(() -> splitEvenly(group.get(0)), () -> {
                group.set(0, workerGroup(admin));
                return group.get(0).toString();
            }, IDLE, () -> "two workers with 3 of the 6 partitions each: " + group.get(0));
            String s = spec("shared", "[ml, kd-on]", "[1, 2, 3]", 1);
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.RESULTS, of("shared", "kind", "metrics"), 6, "metrics of shared");
            ConsumerGroupDescription after = workerGroup(admin);
            assertTrue(splitEvenly(after), after.toString());
            Map<String, Integer> perRun = new HashMap<>();
            List<JsonNode> completions = read(Topics.EVENTS, of("shared", "type", "completed"));
            completions.forEach(n -> perRun.merge(n.get("runId").asText(), 1, Integer::sum));
            assertEquals(6, perRun.size());
            assertTrue(perRun.values().stream().allMatch(c -> c == 1), perRun.toString());
            // Both workers of this test, and only they, completed the grid's runs.
            assertTrue(completions.stream().allMatch(n -> Set.of("w-a", "w-b").contains(n.path("worker").asText())),
                    completions.toString());
        } finally {
            a.close();
            b.close();
        }
    }

    private static ConsumerGroupDescription workerGroup(Admin admin) {
        try {
            return admin.describeConsumerGroups(List.of(TrainerWorker.GROUP)).all().get(30, TimeUnit.SECONDS)
                    .get(TrainerWorker.GROUP);
        } catch (Exception e) {
            throw new IllegalStateException("describing group " + TrainerWorker.GROUP + ": " + e, e);
        }
    }

    /** Two members, 3 of {@code kdml.runs}' 6 partitions each. */
    private static boolean splitEvenly(ConsumerGroupDescription group) {
        return group.members().size() == 2
                && group.members().stream().allMatch(m -> m.assignment().topicPartitions().size() == 3);
    }

    /**
     * A spec with {@code export:}: the evaluator exports each completed run into S3 and announces it
     * on kdml.results. Then {@code kdml export RUN} of that run, which exists only on the stack: its
     * result from kdml.results, its final checkpoint from S3, into {@code --runs}; the export writes
     * the model and its card. The stack has the default credentials, as the command reads them from
     * the environment.
     */
    @Test
    void aRunOnTheStackExportsWithoutALocalFolder(@TempDir Path own) throws Exception {
        String s = spec("deploy", "[kd-off]", "[4]", 1).replace("versions: [v3]", "versions: [v1]")
                + "export: {formats: [onnx, int8]}\n";
        String runId = Specs.runs(Specs.parse(s, "deploy.yaml")).get(0).runId();
        try (Stack fresh = new Stack(Stack.Settings.in(own.resolve("stack"))).start(Map.of());
                Probe p = new Probe(fresh.config().bootstrap());
                TrainerWorker w = new TrainerWorker(fresh.config(), TrainerWorker.Options.defaults(), "w-deploy")
                        .start()) {
            publish(p, s.getBytes(StandardCharsets.UTF_8));
            p.await(Topics.RESULTS, of("deploy", "kind", "metrics"), 1, IDLE, "metrics of deploy");
            // The spec's export: the evaluator exported the ensemble (the default of two students) into S3.
            JsonNode exported = p.await(Topics.RESULTS, of("deploy", "kind", "export"), 1, IDLE, "export of deploy")
                    .get(0).get("payload");
            assertEquals("ensemble", exported.get("network").asText());
            try (CheckpointStore store = new CheckpointStore(fresh.config(), Duration.ofSeconds(30))) {
                for (String f : List.of("model.onnx", "model-int8.onnx", "weights-s1.npz", "model-card.md")) {
                    String key = exported.path("files").path(f).asText();
                    assertTrue(key.endsWith("/export/" + f), exported.toString());
                    assertTrue(store.exists(key.substring(key.indexOf('/') + 1)), key);
                }
            }
            // Plumbing: the card came through with its int8 section (its quality is ModelExportIT's).
            double agreement = exported.at("/card/int8/agreementWithFp32").asDouble(-1);
            assertTrue(agreement >= 0 && agreement <= 1, exported.toString());
            assertEquals("u8s7", exported.at("/card/int8/format").asText(), exported.toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = Kdml.run(new String[] {"export", runId, "--bootstrap", fresh.config().bootstrap(), "--s3",
                fresh.config().s3Endpoint(), "--runs", own.resolve("runs").toString(), "--latency-runs", "3"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertEquals(0, rc, out.toString(StandardCharsets.UTF_8));
            Path export = own.resolve("runs").resolve("deploy").resolve(runId).resolve("export-s1");
            assertTrue(Files.size(export.resolve("model.onnx")) > 0, out.toString(StandardCharsets.UTF_8));
            assertTrue(Files.readString(export.resolve("model-card.md")).contains(runId));
            // kdml report of an experiment that only the stack holds: its results from kdml.results.
            out.reset();
            Path reports = own.resolve("reports");
            rc = Kdml.run(new String[] {"report", "deploy", "--out", reports.toString(), "--bootstrap",
                fresh.config().bootstrap(), "--s3", fresh.config().s3Endpoint()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc, text);
            assertTrue(text.contains("read 1 run(s) of deploy from the stack") && text.contains("# deploy"), text);
            assertTrue(Files.isRegularFile(reports.resolve("deploy").resolve(runId).resolve("result.json")));
            // The reporter wrote the same report to S3 once the run had its metrics and CKA, and the view says where.
            JsonNode report = p.await(Topics.RESULTS, of("deploy", "kind", "report"), 1, IDLE, "report of deploy")
                    .get(0).get("payload");
            assertEquals(1, report.path("runs").asInt(), report.toString());
            try (CheckpointStore store = new CheckpointStore(fresh.config(), Duration.ofSeconds(30))) {
                String md = report.path("files").path("report.md").asText();
                assertEquals(fresh.config().bucket() + "/deploy/report/report/report.md", md, report.toString());
                assertEquals(Files.readString(reports.resolve("deploy").resolve("report").resolve("report.md")),
                        new String(store.getBytes(md.substring(md.indexOf('/') + 1)), StandardCharsets.UTF_8));
                String html = new String(store.getBytes("deploy/report/report/report.html"), StandardCharsets.UTF_8);
                assertTrue(html.contains("src='curves-" + runId + ".png'"), html);
                assertTrue(store.exists("deploy/report/report/curves-" + runId + ".png"), "the curves beside the html");
                assertTrue(store.exists("deploy/report/" + runId + "/cka-teacher-s1.png"), "a heatmap the html shows");
            }
            Await.until(() -> fresh.view().status("deploy") != null && fresh.view().status("deploy").report() != null,
                    IDLE, "the view's report of deploy");
            assertEquals(report.path("files").path("report.html").asText(),
                    fresh.view().status("deploy").report().get("report.html"));
            out.reset();
            rc = Kdml.run(new String[] {"report", "nothing-here", "--out", reports.toString(), "--bootstrap",
                fresh.config().bootstrap(), "--s3", fresh.config().s3Endpoint()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertTrue(rc != 0 && out.toString(StandardCharsets.UTF_8).contains("no metrics of 'nothing-here'"),
                    out.toString(StandardCharsets.UTF_8));
        }
    }

    /** The broker is restarted, so this test has a stack of its own. */
    @Test
    void aBrokerRestartAndAnS3OutageMidGridLoseAndDuplicateNothing(@TempDir Path own) throws Exception {
        String s = spec("outage", "[kd-on, ml]", "[7]", 4);
        List<RunSpec> runs = Specs.runs(Specs.parse(s, "outage.yaml"));
        try (Stack fresh = startStack(own.resolve("stack")); Probe p = new Probe(fresh.config().bootstrap())) {
            TrainerWorker w = new TrainerWorker(fresh.config(), TrainerWorker.Options.defaults(), "w-outage").start();
            try {
                publish(p, s.getBytes(StandardCharsets.UTF_8));
                p.await(Topics.EVENTS, of("outage", "type", "checkpointed"), 1, IDLE, "a checkpoint of outage");
                fresh.restartKafka();
                long restarted = System.currentTimeMillis();
                // The worker is back on the broker: an event made after the restart has arrived.
                p.await(Topics.EVENTS, n -> "outage".equals(n.path("experiment").asText())
                        && n.path("time").asLong() >= restarted, 1, IDLE, "an event of outage after the restart");
                fresh.stopS3();
                try {
                    awaitS3Attempt(fresh, p);
                } finally {
                    fresh.startS3();
                }
                List<JsonNode> metrics = p.await(Topics.RESULTS, of("outage", "kind", "metrics"), 2, IDLE,
                        "metrics of outage");
                p.await(Topics.RESULTS, of("outage", "kind", "cka"), 2, IDLE, "CKA of outage");
                // Nothing is pending that could still duplicate: every run's offset is committed with its
                // completion, and every event has been through the evaluator.
                p.awaitProcessed(TrainerWorker.GROUP, Topics.RUNS, IDLE);
                p.awaitProcessed(Evaluator.GROUP, Topics.EVENTS, IDLE);
                Map<String, Integer> completions = new HashMap<>();
                p.messages(Topics.EVENTS, of("outage", "type", "completed"))
                        .forEach(n -> completions.merge(n.get("runId").asText(), 1, Integer::sum));
                Map<String, Integer> results = new HashMap<>();
                p.messages(Topics.RESULTS, of("outage", "kind", "metrics"))
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
    }

    @Test
    void aPoisonRunIsRetriedWithBackoffThenParkedAsFailedWithoutBlockingTheNextRun() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-pcam"));
        String poison = String.join("\n", "name: poison", "dataset: {kind: pcam, root: " + empty + ", imageSize: 32}",
                "students: [resnet18-tiny, resnet18-tiny]", "modes: [ml]", "versions: [v1]", "seeds: [1]",
                "training: {epochs: 1, batchSize: 16}", "");
        TrainerWorker w = new TrainerWorker(stack.config(), new TrainerWorker.Options(1, 3, Duration.ofMillis(200),
                Duration.ofMinutes(1)), "w-poison").start();
        try {
            publish(poison.getBytes(StandardCharsets.UTF_8));
            List<JsonNode> failed = await(Topics.EVENTS, of("poison", "type", "failed"), 3, "failures of poison");
            // The flag, not the reason's prose, says whether another attempt follows.
            assertEquals(List.of(true, true, false), failed.stream().map(f -> f.get("retrying").asBoolean()).toList(),
                    failed.toString());
            assertTrue(failed.get(0).get("reason").asText().startsWith("attempt 1 of 3, retrying: "), failed.toString());
            assertTrue(failed.get(2).get("reason").asText().startsWith("attempt 3 of 3, giving up: "), failed.toString());
            assertTrue(failed.get(2).get("reason").asText().contains(empty.toString()), failed.get(2).toString());
            // The partition is not blocked: the next spec's run completes.
            publish(spec("after-poison", "[ml]", "[1]", 1).getBytes(StandardCharsets.UTF_8));
            await(Topics.RESULTS, of("after-poison", "kind", "metrics"), 1, "metrics of after-poison");
            assertEquals(0, read(Topics.EVENTS, of("poison", "type", "completed")).size());
        } finally {
            w.close();
        }
    }

    @Test
    void aCorruptCheckpointIsRefusedByItsChecksumAndTheRunFallsBackToThePreviousOne() throws Exception {
        String s = spec("corrupt", "[kd-ml]", "[9]", 6);
        RunSpec run = Specs.runs(Specs.parse(s, "corrupt.yaml")).get(0);
        RunKeys keys = new RunKeys("corrupt", run.runId());
        TrainerWorker first = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-c1").start();
        try {
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.EVENTS, event(run, "checkpointed").and(n -> n.path("epoch").asInt() >= 3), 1,
                    "a checkpoint of joint epoch 3 or later");
        } finally {
            first.close();
        }
        String newest;
        try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(20))) {
            List<String> good = store.epochCheckpoints(keys);
            assertTrue(good.size() >= 2, good.toString());
            newest = good.get(good.size() - 1);
            byte[] b = store.getBytes(newest + "s1.params");
            b[b.length / 2] ^= 0x01;
            store.putBytes(newest + "s1.params", b);
        }
        TrainerWorker second = new TrainerWorker(stack.config(), TrainerWorker.Options.defaults(), "w-c2").start();
        try {
            await(Topics.RESULTS, of("corrupt", "kind", "metrics"), 1, "metrics of corrupt");
            List<JsonNode> started = read(Topics.EVENTS, event(run, "started")
                    .and(n -> "w-c2".equals(n.path("worker").asText())));
            assertTrue(started.get(0).get("reason").asText().startsWith("checkpoint refused: " + newest
                    + "s1.params: SHA-256 "), started.toString());
            assertTrue(started.get(0).get("reason").asText().contains("; falling back to "), started.toString());
            assertTrue(started.get(1).get("reason").asText().startsWith("resuming from "), started.toString());
            assertTrue(!started.get(1).get("reason").asText().contains(newest), started.toString());
            assertEquals(1, read(Topics.EVENTS, event(run, "completed")).size());
        } finally {
            second.close();
        }
    }

    @Test
    void s3RefusingWritesFailsTheAttemptVisiblyAndTheRunIsRetriedLater() throws Exception {
        String s = spec("refused", "[ml]", "[3]", 3);
        RunSpec run = Specs.runs(Specs.parse(s, "refused.yaml")).get(0);
        TrainerWorker w = new TrainerWorker(stack.config(), new TrainerWorker.Options(1, 10, Duration.ofMillis(500),
                Duration.ofSeconds(2)), "w-refused").start();
        try {
            publish(s.getBytes(StandardCharsets.UTF_8));
            await(Topics.EVENTS, event(run, "started"), 1, "the start of " + run.runId());
            stack.stopS3();
            try {
                List<JsonNode> failed = await(Topics.EVENTS, event(run, "failed"), 1, "a failure of " + run.runId());
                assertTrue(failed.get(0).get("retrying").asBoolean(), failed.toString());
                assertEquals(0, read(Topics.EVENTS, event(run, "completed")).size());
            } finally {
                stack.startS3();
            }
            await(Topics.RESULTS, of("refused", "kind", "metrics"), 1, "metrics of refused");
            assertEquals(1, read(Topics.EVENTS, event(run, "completed")).size());
        } finally {
            w.close();
        }
    }
}
