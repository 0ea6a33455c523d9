package org.kdml.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.train.Checkpointer;
import org.kdml.core.train.RunTrainer;
import org.kdml.core.train.TrainingListener;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.RunPosition;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * A worker told to stop (what SIGTERM does, through {@link TrainerWorker#close}) in the middle of
 * an epoch: it finishes the step, checkpoints exactly there, publishes {@code stopped} and leaves
 * within its grace period; a second worker resumes from that state, trains no step twice, and the
 * final weights equal, byte for byte, those of the same run trained without a stop.
 */
class GracefulStopIT {

    private static final Duration IDLE = Duration.ofMinutes(2);
    private static final String SPEC = String.join("\n",
            "name: graceful",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 400}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [3]",
            "training: {epochs: 3, teacherEpochs: 2, batchSize: 16, learningRate: 0.002}",
            "");

    @Test
    void aStoppedRunResumesElsewhereWithNoStepRedoneAndTheSameWeights(@TempDir Path tmp) throws Exception {
        RunSpec run = Specs.runs(Specs.parse(SPEC, "graceful.yaml")).get(0);
        Path straight = tmp.resolve("straight");
        try (DiskImages data = Datasets.open(run.spec().dataset(), run.spec().task())) {
            RunTrainer.train(run, data, straight, TrainingListener.NONE, Checkpointer.NONE, false, 1);
        }
        try (EmbeddedStack stack = EmbeddedStack.start(tmp.resolve("stack"))) {
            TrainerWorker.Options options = new TrainerWorker.Options(1, 1, Duration.ofMillis(200),
                    Duration.ofSeconds(30), Duration.ofSeconds(20));
            TrainerWorker first = new TrainerWorker(stack.config(), options, "first").start();
            stack.publishJson(Topics.RUNS, run.runId(), RunMessage.of(run, 1, 1));
            // Stop while the second epoch trains (the teacher trains jointly): right after the first is reported.
            stack.probe().await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && EventType.EPOCH.wire().equals(n.path("type").asText()), 1, IDLE, "the first epoch");
            long t0 = System.nanoTime();
            first.close();
            double stopSeconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(stopSeconds < 20, "stopped in " + stopSeconds + " s, grace 20 s");

            JsonNode stopped = stack.probe().await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && EventType.STOPPED.wire().equals(n.path("type").asText()), 1, IDLE, "the stop").get(0);
            assertEquals("first", stopped.path("worker").asText(), stopped.toString());
            int step = stopped.path("metrics").path("step").asInt();
            int steps = stopped.path("metrics").path("steps").asInt();
            assertEquals(19, steps, "300 of 400 patches train, in batches of 16: " + stopped);
            assertTrue(step >= 1 && step <= steps, stopped.toString());
            String checkpoint = stopped.path("metrics").path("checkpoint").asText();
            String phase = stopped.path("phase").asText();
            int epoch = stopped.path("epoch").asInt();
            RunKeys keys = RunKeys.of(RunMessage.of(run, 1, 1));
            assertEquals(stack.config().bucket() + "/" + keys.state(
                    "joint".equals(phase) ? Phase.JOINT : Phase.TEACHER, epoch - 1, step),
                    checkpoint, stopped.toString());
            // The same place, typed: whole epochs done, steps into the next, steps per epoch.
            RunPosition at = Topics.EVENTS.parse(stopped.toString().getBytes(StandardCharsets.UTF_8)).position();
            assertEquals(new RunPosition("joint".equals(phase) ? Phase.JOINT : Phase.TEACHER, epoch - 1, step, steps,
                    checkpoint), at, stopped.toString());

            try (TrainerWorker second = new TrainerWorker(stack.config(), options, "second").start()) {
                JsonNode done = stack.probe().await(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                        && EventType.COMPLETED.wire().equals(n.path("type").asText()), 1, IDLE, "the completion")
                        .get(0);
                assertEquals("second", done.path("worker").asText(), done.toString());
                JsonNode started = stack.probe().messages(Topics.EVENTS, n -> run.runId().equals(
                        n.path("runId").asText()) && EventType.STARTED.wire().equals(n.path("type").asText())
                        && "second".equals(n.path("worker").asText())).get(0);
                assertEquals("resuming from " + checkpoint.substring(stack.config().bucket().length() + 1),
                        started.path("reason").asText(), started.toString());
                RunPosition from = Topics.EVENTS.parse(started.toString().getBytes(StandardCharsets.UTF_8)).position();
                assertEquals(0, at.stepsAfter(from), "resumed from exactly where it stopped: " + started);
            }
            // Every epoch was reported once: nothing was trained twice.
            Map<String, Integer> epochs = new HashMap<>();
            for (JsonNode e : stack.probe().messages(Topics.EVENTS, n -> run.runId().equals(n.path("runId").asText())
                    && EventType.EPOCH.wire().equals(n.path("type").asText()))) {
                epochs.merge(e.path("phase").asText() + " " + e.path("epoch").asInt(), 1, Integer::sum);
            }
            assertEquals(Map.of("joint 1", 1, "joint 2", 1, "joint 3", 1), epochs);
            try (CheckpointStore store = stack.store()) {
                Path resumed = tmp.resolve("resumed");
                store.get(keys.finalCheckpoint(), resumed);
                for (String node : List.of("teacher", "s1", "s2")) {
                    assertArrayEquals(Files.readAllBytes(straight.resolve(RunLayout.params(node))),
                            Files.readAllBytes(resumed.resolve(RunLayout.params(node))), node + " after a stop at "
                            + checkpoint);
                }
                JsonNode attempts = Specs.json().readTree(store.getBytes(keys.attempts()));
                assertEquals(1, attempts.path("stops").asInt(), attempts.toString());
                assertEquals(2, attempts.path("attempts").asInt(), attempts.toString());
            }
        }
    }
}
