package org.kdml.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.DataCache;
import org.kdml.core.train.Checkpointer;
import org.kdml.results.RunResult;
import org.kdml.core.train.RunTrainer;
import org.kdml.core.train.TrainingListener;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.SharingGraph;

/**
 * The evaluator against a real broker and S3 server: a completion whose final checkpoint is in S3
 * yields one {@code metrics} result, a duplicate of it none, and a completion without a checkpoint
 * a dead letter naming the run. The run is trained here, in process, as a worker would (no test
 * metrics), and uploaded as its final checkpoint.
 */
class EvaluatorIT {

    /** How long the evaluator may go without writing anything before the wait fails. */
    private static final Duration IDLE = Duration.ofMinutes(2);

    @TempDir
    static Path tmp;
    static EmbeddedStack stack;
    static Evaluator evaluator;

    private static String spec(String name, int seed) {
        return String.join("\n",
                "name: " + name,
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [kd-ml]",
                "versions: [v3]",
                "seeds: [" + seed + "]",
                "training: {epochs: 1, teacherEpochs: 1, batchSize: 32, learningRate: 0.002}",
                "");
    }

    @BeforeAll
    static void up() throws Exception {
        stack = EmbeddedStack.start(tmp.resolve("stack"));
        evaluator = new Evaluator(stack.config());
        evaluator.start();
    }

    @AfterAll
    static void down() throws Exception {
        if (evaluator != null) {
            evaluator.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /** Trains {@code run} as a worker does and uploads its folder as the run's final checkpoint. */
    private static void trainAndUpload(RunSpec run) throws Exception {
        Path dir = tmp.resolve(run.runId());
        RunResult result;
        try (DataCache data = new DataCache()) {
            result = RunTrainer.train(run, data.get(run.spec().dataset(), run.spec().task()), dir,
                    TrainingListener.NONE, Checkpointer.NONE, false, 1);
        }
        try (CheckpointStore store = stack.store()) {
            store.put(new RunKeys(run.experiment(), run.runId()).prefix() + "final/", dir, new Manifest(
                    run.runId(), run.experiment(), "final", "final", 0, 1, null,
                    CheckpointStore.provenance(result.provenance()), 0));
        }
    }

    private static RunEvent completed(RunSpec run) {
        String checkpoint = stack.config().bucket() + "/" + new RunKeys(run.experiment(), run.runId()).prefix()
                + "final/";
        return RunEvent.of(EventType.COMPLETED, RunMessage.of(run, 1, 1), 1, "it-worker", null)
                .withEpoch(null, 0, 0, Map.of("checkpoint", checkpoint));
    }

    private static List<JsonNode> metricsOf(RunSpec run) {
        return stack.probe().messages(Topics.RESULTS, n -> ResultKind.METRICS.wire().equals(n.path("kind").asText())
                && run.runId().equals(n.path("runId").asText()));
    }

    @Test
    void aCompletionYieldsOneMetricsResultAndItsDuplicateNone() throws Exception {
        RunSpec run = Specs.runs(Specs.parse(spec("evaluated", 1), "evaluated.yaml")).get(0);
        trainAndUpload(run);
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        JsonNode result = stack.probe().await(Topics.RESULTS, n -> ResultKind.METRICS.wire().equals(n.path("kind")
                .asText()) && run.runId().equals(n.path("runId").asText()), 1, IDLE, "metrics of " + run.runId()).get(0);
        assertEquals("evaluated", result.path("experiment").asText());
        assertEquals(run.variant().key(), result.path("variant").asText());
        assertEquals(1, result.path("seed").asLong());
        assertEquals(1, result.path("attempt").asInt());
        JsonNode networks = result.path("payload").path("networks");
        for (String net : List.of("teacher", "s1", "s2", SharingGraph.ENSEMBLE)) {
            JsonNode test = networks.path(net).path("test");
            double accuracy = test.path("accuracy").asDouble(-1);
            assertTrue(accuracy >= 0 && accuracy <= 1, net + " test accuracy " + test);
            assertTrue(test.has("f1") && test.has("recall"), net + " test metrics " + test);
        }
        assertTrue(networks.path("s1").has("fidelity"), networks.path("s1").toString());
        try (CheckpointStore store = stack.store()) {
            byte[] kept = store.getBytes(new RunKeys(run.experiment(), run.runId()).prefix()
                    + "results/result.json");
            assertNotNull(kept, "results/result.json beside the checkpoints");
            assertEquals(result.path("payload"), Specs.json().readTree(kept));
        }

        // The same completion again (a worker's redelivery): processed, and no second result.
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        stack.probe().awaitProcessed(Evaluator.GROUP, Topics.EVENTS, IDLE);
        assertEquals(1, metricsOf(run).size(), metricsOf(run).toString());
    }

    @Test
    void aCompletionWithoutACheckpointIsDeadLetteredNamingTheRun() throws Exception {
        ExperimentSpec spec = Specs.parse(spec("missing", 2), "missing.yaml");
        RunSpec run = Specs.runs(spec).get(0);
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        JsonNode letter = stack.probe().await(Topics.DLQ, n -> n.path("reason").asText().contains(run.runId()), 1,
                IDLE, "the dead letter of run " + run.runId()).get(0);
        assertEquals("evaluator", letter.path("service").asText(), letter.toString());
        assertEquals(Topics.EVENTS.name(), letter.path("source").asText(), letter.toString());
        assertEquals("runId", letter.path("field").asText(), letter.toString());
        String reason = letter.path("reason").asText();
        assertTrue(reason.startsWith("evaluator could not process run " + run.runId() + ": CorruptCheckpointException: "
                + new RunKeys("missing", run.runId()).prefix() + "final/: no manifest.json"), reason);
        stack.probe().awaitProcessed(Evaluator.GROUP, Topics.EVENTS, IDLE);
        assertEquals(List.of(), metricsOf(run));
    }
}
