package org.kdml.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.kdml.spec.Phase;
import org.kdml.spec.Specs;

/** Values on the wire: the same JSON kcat users saw before the types, and clear errors for bad ones. */
class WireTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEventReadsAndWritesTheSameFieldsAsBefore() throws Exception {
        String old = "{\"type\":\"epoch\",\"runId\":\"r1\",\"experiment\":\"exp\",\"variant\":\"kd-ml-v3\",\"seed\":1,"
                + "\"attempt\":2,\"worker\":\"w\",\"phase\":\"joint\",\"epoch\":3,\"epochs\":5,"
                + "\"metrics\":{\"seconds\":1.5},\"index\":1,\"total\":4,\"time\":99}";
        RunEvent e = Topics.EVENTS.parse(utf8(old));
        assertEquals(EventType.EPOCH, e.type());
        assertEquals(Phase.JOINT, e.phase());
        assertNull(e.retrying());
        // The same fields and values (the mapper writes them sorted, as it always did).
        assertEquals(Specs.json().readTree(old), Specs.json().readTree(Topics.EVENTS.serialize(e)));
    }

    @Test
    void aFailureSaysWhetherItIsRetried() throws Exception {
        RunMessage run = new RunMessage("r1", "exp", "ml-v1", 3, "h", 1, 1, null);
        RunEvent f = RunEvent.failed(run, 1, "w", "attempt 1 of 3, retrying: boom", true);
        String json = Topics.EVENTS.serialize(f);
        assertTrue(json.contains("\"type\":\"failed\"") && json.contains("\"retrying\":true"), json);
        assertEquals(Boolean.TRUE, Topics.EVENTS.parse(utf8(json)).retrying());
        assertFalse(f.parked(), "another attempt follows");
        assertTrue(RunEvent.failed(run, 3, "w", "attempt 3 of 3: boom", false).parked());
        // A failure written before the flag existed parks its run (retries came with the flag).
        assertTrue(Topics.EVENTS.parse(utf8("{\"type\":\"failed\",\"runId\":\"r1\",\"experiment\":\"exp\","
                + "\"variant\":\"ml-v1\",\"seed\":3,\"attempt\":1,\"reason\":\"boom\",\"index\":1,\"total\":1,"
                + "\"time\":5}")).parked());
        assertFalse(RunEvent.failed(run, 1, "w", "x", true).parked());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> RunEvent.builder(EventType.EPOCH, "r1", "exp").retrying(true).build());
        assertEquals("retrying: set on failed events only, got true on epoch", wrong.getMessage());
    }

    @Test
    void badValuesNameTheTopicAndTheField() {
        IOException type = assertThrows(IOException.class, () -> Topics.EVENTS.parse(utf8(
                "{\"type\":\"exploded\",\"runId\":\"r1\"}")));
        assertTrue(type.getMessage().startsWith("kdml.events: not a RunEvent: ")
                && type.getMessage().contains("type: unknown event type 'exploded'; valid: queued, started, epoch,"
                        + " checkpointed, stopped, completed, failed"), type.getMessage());
        IOException bytes = assertThrows(IOException.class, () -> Topics.RESULTS.parse(new byte[] {(byte) 0xff}));
        assertTrue(bytes.getMessage().startsWith("kdml.results: not UTF-8 text"), bytes.getMessage());
        assertEquals(ResultKind.CKA, ResultKind.of("cka"));
        assertEquals("kind: unknown result kind 'x'; valid: metrics, cka, export, report",
                assertThrows(IllegalArgumentException.class, () -> ResultKind.of("x")).getMessage());
    }

    @Test
    void aRunsKeysAreItsPrefixPlusTheLayoutsNames() {
        RunKeys k = new RunKeys("exp", "0123abcd");
        assertEquals("exp/0123abcd/", k.prefix());
        assertEquals("exp/0123abcd/final/", k.finalCheckpoint());
        assertEquals("exp/0123abcd/epoch-joint-0003/", k.epoch(Phase.JOINT, 3));
        assertEquals("exp/0123abcd/cka/cka-teacher-s1.png", k.heatmap("teacher-s1"));
        assertEquals("exp/0123abcd/cka/cka.json", k.cka());
        assertEquals("exp/0123abcd/results/result.json", k.result());
        assertEquals("exp/0123abcd/completed.json", k.completed());
        assertTrue(k.isEpoch("exp/0123abcd/epoch-teacher-0001/"));
        // Every teacher epoch sorts before every joint epoch.
        assertTrue(RunKeys.epochOrder(k.epoch(Phase.TEACHER, 40)) < RunKeys.epochOrder(k.epoch(Phase.JOINT, 1)));
        // A state 17 steps into epoch 4 (a graceful stop) sorts after epoch 3's end, before epoch 4's.
        assertEquals("exp/0123abcd/epoch-joint-0003-step-000017/", k.state(Phase.JOINT, 3, 17));
        assertEquals(k.epoch(Phase.JOINT, 3), k.state(Phase.JOINT, 3, 0));
        assertTrue(k.isEpoch(k.state(Phase.JOINT, 3, 17)));
        assertEquals(new RunKeys.Position(Phase.JOINT, 3, 17), RunKeys.position(k.state(Phase.JOINT, 3, 17)));
        assertEquals(new RunKeys.Position(Phase.TEACHER, 2, 0),
                RunKeys.position("kdml-checkpoints/" + k.epoch(Phase.TEACHER, 2)));
        assertTrue(RunKeys.epochOrder(k.epoch(Phase.JOINT, 3)) < RunKeys.epochOrder(k.state(Phase.JOINT, 3, 17)));
        assertTrue(RunKeys.epochOrder(k.state(Phase.JOINT, 3, 17)) < RunKeys.epochOrder(k.state(Phase.JOINT, 3, 18)));
        assertTrue(RunKeys.epochOrder(k.state(Phase.JOINT, 3, 999_999)) < RunKeys.epochOrder(k.epoch(Phase.JOINT, 4)));
        assertTrue(RunKeys.epochOrder(k.state(Phase.TEACHER, 9_999, 5)) < RunKeys.epochOrder(k.state(Phase.JOINT, 0, 1)));
        IllegalArgumentException escape = assertThrows(IllegalArgumentException.class,
                () -> new RunKeys("..", "run"));
        assertEquals("experiment: '..' is not a plain name (letters, digits, . _ -) and cannot be used in a"
                + " checkpoint key", escape.getMessage());
    }
}
