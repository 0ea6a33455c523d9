package org.kdml.cka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * The CKA analyzer against a real broker and S3 server: a completion whose final checkpoint is in
 * S3 yields one {@code cka} result with a layer-by-layer matrix per pair of networks and a heatmap
 * PNG per pair under the run's prefix, a duplicate of it none, and a completion without a
 * checkpoint a dead letter naming the run. The run is trained here, in process, as a worker would.
 */
class CkaAnalyzerIT {

    /** How long the analyzer may go without writing anything before the wait fails. */
    private static final Duration IDLE = Duration.ofMinutes(2);
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    static Path tmp;
    static EmbeddedStack stack;
    static CkaAnalyzer analyzer;

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
        analyzer = new CkaAnalyzer(stack.config(), 32, 16);
        analyzer.start();
    }

    @AfterAll
    static void down() throws Exception {
        if (analyzer != null) {
            analyzer.close();
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

    private static List<JsonNode> ckaOf(RunSpec run) {
        return stack.probe().messages(Topics.RESULTS, n -> ResultKind.CKA.wire().equals(n.path("kind").asText())
                && run.runId().equals(n.path("runId").asText()));
    }

    @Test
    void aCompletionYieldsOneCkaResultWithAMatrixAndAHeatmapPerPair() throws Exception {
        RunSpec run = Specs.runs(Specs.parse(spec("analyzed", 1), "analyzed.yaml")).get(0);
        String prefix = new RunKeys(run.experiment(), run.runId()).prefix();
        trainAndUpload(run);
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        JsonNode result = stack.probe().await(Topics.RESULTS, n -> ResultKind.CKA.wire().equals(n.path("kind").asText())
                && run.runId().equals(n.path("runId").asText()), 1, IDLE, "the CKA of " + run.runId()).get(0);
        assertEquals("analyzed", result.path("experiment").asText());
        JsonNode payload = result.path("payload");
        int examples = payload.path("examples").asInt();
        assertTrue(examples >= 4 && examples <= 32, "at most the sample of 32 test images: " + payload);
        JsonNode pairs = payload.path("pairs");
        assertEquals(Set.of("teacher-s1", "teacher-s2", "s1-s2"), Set.copyOf(iterate(pairs.fieldNames())),
                pairs.toString());
        try (CheckpointStore store = stack.store()) {
            for (String name : List.of("teacher-s1", "teacher-s2", "s1-s2")) {
                JsonNode pair = pairs.path(name);
                int rows = pair.path("rows").size();
                int cols = pair.path("cols").size();
                assertTrue(rows > 0 && cols > 0, pair.toString());
                assertEquals(rows, pair.path("values").size(), pair.toString());
                int nulls = 0;
                for (JsonNode row : pair.path("values")) {
                    assertEquals(cols, row.size(), pair.toString());
                    for (JsonNode cell : row) {
                        if (cell.isNull()) {
                            nulls++;
                        } else {
                            assertTrue(cell.isNumber() && Double.isFinite(cell.asDouble()), name + ": " + cell);
                        }
                    }
                }
                assertEquals(nulls, pair.path("undefined").size(), pair.toString());
                String key = prefix + "cka/cka-" + name + ".png";
                assertEquals(store.bucket() + "/" + key, pair.path("heatmap").asText());
                byte[] png = store.getBytes(key);
                assertNotNull(png, key);
                assertArrayEquals(PNG, Arrays.copyOf(png, PNG.length), key + " is not a PNG");
            }
            byte[] kept = store.getBytes(prefix + "cka/cka.json");
            assertNotNull(kept, "cka/cka.json beside the checkpoints");
            assertEquals(payload, Specs.json().readTree(kept));
        }

        // The same completion again: processed, and no second result.
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        stack.probe().awaitProcessed(CkaAnalyzer.GROUP, Topics.EVENTS, IDLE);
        assertEquals(1, ckaOf(run).size(), ckaOf(run).toString());
    }

    @Test
    void aCompletionWithoutACheckpointIsDeadLetteredNamingTheRun() throws Exception {
        RunSpec run = Specs.runs(Specs.parse(spec("missing", 2), "missing.yaml")).get(0);
        stack.publishJson(Topics.EVENTS, run.runId(), completed(run));
        JsonNode letter = stack.probe().await(Topics.DLQ, n -> n.path("reason").asText().contains(run.runId()), 1,
                IDLE, "the dead letter of run " + run.runId()).get(0);
        assertEquals("cka-analyzer", letter.path("service").asText(), letter.toString());
        assertEquals(Topics.EVENTS.name(), letter.path("source").asText(), letter.toString());
        String reason = letter.path("reason").asText();
        assertTrue(reason.startsWith("cka-analyzer could not process run " + run.runId()
                + ": CorruptCheckpointException: " + new RunKeys("missing", run.runId()).prefix()
                + "final/: no manifest.json"), reason);
        stack.probe().awaitProcessed(CkaAnalyzer.GROUP, Topics.EVENTS, IDLE);
        assertEquals(List.of(), ckaOf(run));
    }

    private static List<String> iterate(Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
