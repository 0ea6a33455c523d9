package org.kdml.cli;

import org.kdml.tools.SpecFuzzer;
import org.kdml.tools.Stack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.EmbeddedStack;
import org.kdml.embedded.EmbeddedStack.Probe;
import org.kdml.orchestrator.Orchestrator;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * Spec fuzzing against the running orchestrator: thousands of mutated specs (wrong types, missing
 * fields, huge and negative numbers, unknown keys, deep nesting, megabyte strings, invalid UTF-8,
 * binary, truncations) on {@code kdml.specs}. Each is accepted or lands on {@code kdml.dlq} with a
 * reason; the intake never crashes and a valid spec after them still gets its runs.
 */
class SpecFuzzIT {

    /** How long the intake may make no progress before a wait fails. */
    private static final Duration IDLE = Duration.ofMinutes(2);

    @Test
    void thousandsOfMutatedSpecsAreEachAcceptedOrDeadLetteredAndTheIntakeSurvives(@TempDir Path tmp)
            throws Exception {
        int n = Integer.getInteger("kdml.fuzz.count", 2000);
        try (Stack stack = new Stack(Stack.Settings.in(tmp.resolve("stack"))).start(Map.of());
                Probe probe = new Probe(stack.config().bootstrap())) {
            List<byte[]> mutated = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                mutated.add(SpecFuzzer.mutate(42, i));
            }
            Clients.publishBytes(stack.config().bootstrap(), Topics.SPECS, mutated);
            Orchestrator intake = stack.orchestrator();
            Await.until(() -> intake.accepted() + intake.rejected() >= n, () -> intake.accepted() + intake.rejected(),
                    IDLE, () -> "intake processed only " + (intake.accepted() + intake.rejected()) + " of " + n);
            // The counters move inside the intake's transaction: its output is all readable once the
            // offsets committed with it have passed every input.
            probe.awaitProcessed(Orchestrator.GROUP, Topics.SPECS, IDLE);
            long accepted = stack.orchestrator().accepted();
            long rejected = stack.orchestrator().rejected();
            List<ConsumerRecord<String, byte[]>> dlq = EmbeddedStack.read(stack.config().bootstrap(), Topics.DLQ, IDLE);
            assertEquals(rejected, dlq.size());
            for (ConsumerRecord<String, byte[]> r : dlq) {
                JsonNode d = Specs.json().readTree(r.value());
                assertFalse(d.path("reason").asText().isBlank(), d.toString());
                assertFalse(d.path("field").asText().isBlank(), d.toString());
                assertEquals(Topics.SPECS.name(), d.path("source").asText());
            }
            assertEquals(0, stack.orchestrator().restarts(), "the intake crashed");
            System.out.printf("spec fuzzing: %d mutated inputs, %d accepted, %d rejected to %s, %d crashes%n", n,
                    accepted, rejected, Topics.DLQ, stack.orchestrator().restarts());

            String valid = SpecFuzzer.BASE.replace("name: fuzz", "name: after-fuzz");
            probe.publish(Topics.SPECS, null, valid);
            RunSpec run = Specs.runs(Specs.parse(valid, "valid.yaml")).get(0);
            probe.await(Topics.RUNS, m -> run.runId().equals(m.path("runId").asText()), 1, IDLE,
                    "the run of the valid spec after the fuzzing");
        }
    }
}
