package org.kdml.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kdml.results.CkaResult;
import org.kdml.results.EpochRecord;
import org.kdml.results.ExportResult;
import org.kdml.results.ReportResult;
import org.kdml.results.RunResult;
import org.kdml.spec.Phase;
import org.kdml.spec.Specs;

/**
 * Messages of the version before typed payloads (commit f814e76) read by today's records, and
 * written back with every field they had. {@code wire/recorded-f814e76.tsv} holds one message per
 * line, {@code origin<TAB>topic<TAB>json}: {@code recorded} lines were taken with kcat from the
 * topics of a {@code kdml run} of the quick start at that commit (queued, started, epoch of both
 * phases, completed; metrics and CKA of a baseline, a KD-off and a joint run); {@code written}
 * lines are the types that run does not produce (checkpointed, stopped, a resuming start, a
 * retried and a parked failure, export, report), written field by field as that commit's
 * producers wrote them.
 */
class RecordedWireTest {

    record Line(String origin, String topic, String json) {
    }

    private static List<Line> lines() throws IOException {
        List<Line> out = new ArrayList<>();
        try (InputStream in = RecordedWireTest.class.getResourceAsStream("/wire/recorded-f814e76.tsv")) {
            assertNotNull(in, "the recorded messages");
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = l.split("\t", 3);
                out.add(new Line(f[0], f[1], f[2]));
            }
        }
        return out;
    }

    /** Every field of {@code old} is in {@code now} with the same value (objects field by field, the rest equal). */
    private static void assertCarries(JsonNode old, JsonNode now, String path) {
        if (old.isObject()) {
            assertTrue(now != null && now.isObject(), path + ": an object in the recorded message, now " + now);
            for (Iterator<Map.Entry<String, JsonNode>> it = old.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getValue().isNull() && !now.has(f.getKey())) {
                    continue; // a null field left out (NON_NULL) reads back as null
                }
                assertTrue(now.has(f.getKey()), path + "." + f.getKey() + ": in the recorded message, missing now");
                assertCarries(f.getValue(), now.get(f.getKey()), path + "." + f.getKey());
            }
        } else if (old.isNumber() && now.isNumber()) {
            assertEquals(old.doubleValue(), now.doubleValue(), 0.0, path);
        } else {
            assertEquals(old, now, path);
        }
    }

    @Test
    void everyRecordedKindAndTypeReadsAsItsRecordAndWritesBackEveryField() throws Exception {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        Set<ResultKind> kinds = EnumSet.noneOf(ResultKind.class);
        for (Line l : lines()) {
            byte[] bytes = l.json().getBytes(StandardCharsets.UTF_8);
            JsonNode old = Specs.json().readTree(bytes);
            String now;
            if (l.topic().equals(Topics.EVENTS.name())) {
                RunEvent e = Topics.EVENTS.parse(bytes);
                types.add(e.type());
                now = Topics.EVENTS.serialize(e);
                assertEquals(e, Topics.EVENTS.parse(now.getBytes(StandardCharsets.UTF_8)), "read back: " + l.json());
            } else {
                ResultMessage m = Topics.RESULTS.parse(bytes);
                kinds.add(m.kind());
                assertInstanceOf(m.kind().payloadType(), m.payload(), l.json());
                now = Topics.RESULTS.serialize(m);
                assertEquals(now, Topics.RESULTS.serialize(Topics.RESULTS.parse(now.getBytes(StandardCharsets.UTF_8))),
                        "read back: " + l.json());
            }
            assertCarries(old, Specs.json().readTree(now), l.origin() + " " + l.topic());
        }
        assertEquals(EnumSet.allOf(EventType.class), types, "every event type is recorded");
        assertEquals(EnumSet.allOf(ResultKind.class), kinds, "every result kind is recorded");
    }

    @Test
    void theTypedViewsOfRecordedMessagesHoldWhatTheirFieldsSaid() throws Exception {
        List<RunEvent> events = new ArrayList<>();
        List<ResultMessage> results = new ArrayList<>();
        for (Line l : lines()) {
            byte[] bytes = l.json().getBytes(StandardCharsets.UTF_8);
            if (l.topic().equals(Topics.EVENTS.name())) {
                events.add(Topics.EVENTS.parse(bytes));
            } else {
                results.add(Topics.RESULTS.parse(bytes));
            }
        }
        RunEvent epoch = events.stream().filter(e -> e.type() == EventType.EPOCH && e.phase() == Phase.TEACHER)
                .findFirst().orElseThrow();
        EpochRecord r = epoch.epochRecord().orElseThrow();
        assertEquals(1, r.epoch());
        assertEquals(1.91163779, r.seconds(), 0.0);
        assertEquals(1.3360366721947987, r.train().get("teacher/task"), 0.0);
        RunEvent completed = events.stream().filter(e -> e.type() == EventType.COMPLETED).findFirst().orElseThrow();
        assertEquals(11.117366548, completed.timings().get("attemptSeconds"), 0.0);
        assertTrue(completed.checkpoint().startsWith("kdml-checkpoints/quickstart/39c2be67cdc87380/"),
                completed.checkpoint());
        // A stop recorded before `position` existed has none; its checkpoint still says where it stopped.
        RunEvent stopped = events.stream().filter(e -> e.type() == EventType.STOPPED).findFirst().orElseThrow();
        assertEquals(null, stopped.position());
        assertEquals(new RunKeys.Position(Phase.JOINT, 2, 3), RunKeys.position(stopped.checkpoint()));
        assertTrue(events.stream().filter(e -> e.type() == EventType.FAILED).anyMatch(RunEvent::parked),
                "a failure without `retrying` (older versions) parks its run");

        RunResult metrics = results.get(0).payload(RunResult.class);
        assertEquals(results.get(0).runId(), metrics.runId());
        assertTrue(metrics.networks().values().stream().allMatch(n -> n.test() != null && n.test().accuracy() >= 0),
                "every network has test metrics");
        CkaResult cka = results.stream().filter(m -> m.kind() == ResultKind.CKA).findFirst().orElseThrow()
                .payload(CkaResult.class);
        assertTrue(cka.pairs().values().stream().allMatch(p -> p.heatmap().startsWith("kdml-checkpoints/")), "heatmaps");
        ExportResult export = results.stream().filter(m -> m.kind() == ResultKind.EXPORT).findFirst().orElseThrow()
                .payload(ExportResult.class);
        assertEquals("s1", export.network());
        ReportResult report = results.stream().filter(m -> m.kind() == ResultKind.REPORT).findFirst().orElseThrow()
                .payload(ReportResult.class);
        assertEquals("[39c2be67cdc87380, bac427ff91584dde] failed []", report.covers());
        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> results.get(0).payload(CkaResult.class));
        assertEquals("payload: this metrics result of " + results.get(0).runId()
                + " carries a RunResult, not a CkaResult", wrong.getMessage());
    }

    @Test
    void aPayloadThatIsNotItsKindsRecordIsRefusedNamingIt() {
        IOException bad = assertThrows(IOException.class, () -> Topics.RESULTS.parse(
                ("{\"kind\":\"report\",\"experiment\":\"e\",\"seed\":0,\"attempt\":0,\"time\":1,"
                        + "\"payload\":{\"files\":{}}}").getBytes(StandardCharsets.UTF_8)));
        assertTrue(bad.getMessage().contains("payload: not a report result (ReportResult)"), bad.getMessage());
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> new ResultMessage(
                ResultKind.CKA, "r1", "e", "v", 1, 1, new ReportResult("b/p/", Map.of(), null, 0, 0), 1, null));
        assertEquals("payload: a cka result carries a CkaResult, not a ReportResult", mismatch.getMessage());
    }

    @Test
    void aStopAndAResumeCarryTheirPositionAndTheStepsBetween() {
        RunPosition stop = RunPosition.of("kdml-checkpoints/q/r1/epoch-joint-0002-step-000003/", 9);
        assertEquals(new RunPosition(Phase.JOINT, 2, 3, 9, "kdml-checkpoints/q/r1/epoch-joint-0002-step-000003/"), stop);
        // Resumed from the end of joint epoch 1: 9 steps of epoch 2 and 3 of epoch 3 again = (2 - 1) * 9 + 3 - 0.
        assertEquals(12, stop.stepsAfter(RunPosition.of("q/r1/epoch-joint-0001/", null)));
        assertEquals(0, stop.stepsAfter(stop));
        // From the start: 2 * 9 + 3.
        assertEquals(21, stop.stepsAfter(null));
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> RunPosition.of("q/r1/epoch-joint-0001/", null).stepsAfter(null));
        assertEquals("position.steps: unknown at q/r1/epoch-joint-0001/", unknown.getMessage());
        IllegalArgumentException misplaced = assertThrows(IllegalArgumentException.class,
                () -> RunEvent.builder(EventType.EPOCH, "r1", "e").epoch(Phase.JOINT, 3, 6).position(stop).build());
        assertEquals("position: set on started and stopped events only, got one on epoch", misplaced.getMessage());
    }
}
