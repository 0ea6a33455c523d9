package org.kdml.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.results.Provenance;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherKey;

/**
 * Teacher once through the stack: two workers, every run published at once (the runs that need a
 * teacher first, so that they are taken before it is trained); the worker training the kd-off
 * teacher is stopped during its phase and another takes over. Each teacher key is trained by one
 * run, every other run reuses it, and every run completes exactly once. A teacher whose run is
 * parked as failed fails the runs waiting for it, with its reason.
 */
class TeacherOnceStackIT {

    private static final Duration IDLE = Duration.ofMinutes(3);
    private static final String SPEC = String.join("\n",
            "name: teacher-once-stack",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 200}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off]",
            "versions: [v1, v2, v3]",
            "methods: [at, sp]",
            "seeds: [1]",
            "training: {epochs: 1, teacherEpochs: 3, batchSize: 16, learningRate: 0.002}",
            "");

    private static boolean is(JsonNode n, String runId, EventType type) {
        return runId.equals(n.path("runId").asText()) && type.wire().equals(n.path("type").asText());
    }

    @Test
    void eachTeacherTrainsOnceAcrossWorkersAndEveryRunCompletesOnce(@TempDir Path tmp) throws Exception {
        List<RunSpec> runs = Specs.runs(Specs.parse(SPEC, "teacher-once-stack.yaml"));
        String code = Provenance.currentCodeVersion();
        String kdOffOwner = TeacherKey.owner(runs.get(0), code);
        TrainerWorker.Options options = new TrainerWorker.Options(1, 2, Duration.ofMillis(200), Duration.ofSeconds(30),
                Duration.ofSeconds(20));
        try (EmbeddedStack stack = EmbeddedStack.start(tmp.resolve("stack"))) {
            TrainerWorker a = new TrainerWorker(stack.config(), options, "a").start();
            TrainerWorker b = new TrainerWorker(stack.config(), options, "b").start();
            // Dependents first: they reach the workers before their teachers exist.
            List<RunSpec> order = new ArrayList<>(runs);
            order.sort((x, y) -> Boolean.compare(x.runId().equals(TeacherKey.owner(x, code)),
                    y.runId().equals(TeacherKey.owner(y, code))));
            for (RunSpec r : order) {
                stack.publishJson(Topics.RUNS, r.runId(), RunMessage.of(r, runs.indexOf(r) + 1, runs.size()));
            }
            // Stop the worker training the kd-off teacher after its first teacher epoch; a third takes over.
            JsonNode first = stack.probe().await(Topics.EVENTS, n -> is(n, kdOffOwner, EventType.EPOCH)
                    && "teacher".equals(n.path("phase").asText()), 1, IDLE, "the kd-off teacher's first epoch").get(0);
            TrainerWorker busy = first.path("worker").asText().equals("a") ? a : b;
            busy.close();
            try (TrainerWorker c = new TrainerWorker(stack.config(), options, "c").start()) {
                for (RunSpec r : runs) {
                    stack.probe().await(Topics.EVENTS, n -> is(n, r.runId(), EventType.COMPLETED), 1, IDLE,
                            "the completion of " + r.variant().key());
                }
            } finally {
                (busy == a ? b : a).close();
            }
            Map<String, Integer> trained = new HashMap<>();
            try (CheckpointStore store = stack.store()) {
                for (RunSpec r : runs) {
                    assertEquals(1, stack.probe().messages(Topics.EVENTS, n -> is(n, r.runId(), EventType.COMPLETED))
                            .size(), "completed once: " + r.variant().key());
                    RunKeys keys = RunKeys.of(RunMessage.of(r, 1, 1));
                    JsonNode result = Specs.json().readTree(store.getBytes(keys.finalCheckpoint() + RunLayout.RESULT));
                    JsonNode teacher = result.path("teacher");
                    String key = TeacherKey.of(r, code).value();
                    assertEquals(key, teacher.path("key").asText(), result.toString());
                    if ("trained".equals(teacher.path("source").asText())) {
                        trained.merge(key, 1, Integer::sum);
                        assertEquals(r.runId(), TeacherKey.owner(r, code), "the owner trains: " + r.variant().key());
                    } else {
                        assertEquals("reused", teacher.path("source").asText(), teacher.toString());
                        assertEquals(TeacherKey.owner(r, code), teacher.path("from").asText(), teacher.toString());
                    }
                }
            }
            assertEquals(2, trained.size(), "kd-off's teacher and the methods' teacher: " + trained);
            trained.values().forEach(n -> assertEquals(1, n, trained.toString()));
            // The stopped teacher phase resumed where it stopped: each of its epochs reported once.
            Map<Integer, Integer> epochs = new HashMap<>();
            stack.probe().messages(Topics.EVENTS, n -> is(n, kdOffOwner, EventType.EPOCH)
                    && "teacher".equals(n.path("phase").asText())).forEach(n -> epochs.merge(n.path("epoch").asInt(), 1,
                            Integer::sum));
            assertEquals(Map.of(1, 1, 2, 1, 3, 1), epochs);
            // Only the owners ran a teacher phase.
            for (RunSpec r : runs) {
                if (!r.runId().equals(TeacherKey.owner(r, code))) {
                    assertTrue(stack.probe().messages(Topics.EVENTS, n -> is(n, r.runId(), EventType.EPOCH)
                            && "teacher".equals(n.path("phase").asText())).isEmpty(), r.variant().key());
                }
            }
        }
    }

    @Test
    void aTeacherWhoseRunFailsFailsTheRunsWaitingForItWithItsReason(@TempDir Path tmp) throws Exception {
        List<RunSpec> runs = Specs.runs(Specs.parse(SPEC.replace("name: teacher-once-stack", "name: teacher-fails")
                .replace("methods: [at, sp]", "weights: {teacher: " + tmp.resolve("missing.npz") + "}"), "f.yaml"));
        String code = Provenance.currentCodeVersion();
        String owner = TeacherKey.owner(runs.get(0), code);
        TrainerWorker.Options options = new TrainerWorker.Options(1, 1, Duration.ofMillis(200), Duration.ofSeconds(30),
                Duration.ofSeconds(20));
        try (EmbeddedStack stack = EmbeddedStack.start(tmp.resolve("stack"));
                TrainerWorker w = new TrainerWorker(stack.config(), options, "w").start()) {
            for (int i = runs.size() - 1; i >= 0; i--) {
                stack.publishJson(Topics.RUNS, runs.get(i).runId(), RunMessage.of(runs.get(i), i + 1, runs.size()));
            }
            for (RunSpec r : runs) {
                JsonNode failed = stack.probe().await(Topics.EVENTS, n -> is(n, r.runId(), EventType.FAILED)
                        && !n.path("retrying").asBoolean(), 1, IDLE, "the failure of " + r.variant().key()).get(0);
                String reason = failed.path("reason").asText();
                assertTrue(reason.contains("weights file not found"), reason);
                if (!r.runId().equals(owner)) {
                    assertTrue(reason.startsWith("its frozen teacher will not come: the run that trains its teacher, "
                            + owner + ", was parked as failed"), reason);
                }
            }
        }
    }
}
