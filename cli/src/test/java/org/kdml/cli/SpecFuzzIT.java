package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    static final String BASE = String.join("\n",
            "name: fuzz",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [1]",
            "training: {epochs: 1, batchSize: 16, learningRate: 0.002, temperature: 2, alpha: 0.5}",
            "");

    static final String[] KEYS = {"name", "dataset", "teacher", "students", "modes", "versions", "seeds", "training",
        "dataset.kind", "dataset.imageSize", "dataset.samples", "training.epochs", "training.batchSize",
        "training.learningRate", "training.temperature", "training.alpha"};

    static final String[] VALUES = {"\"x\"", "-1", "0", "1e308", "-1e308", "9223372036854775808", "[]", "{}", "null",
        "true", "[1, [2, [3]]]", "{a: {b: {c: 1}}}", "\"../../etc/passwd\"", "\"\"", "NaN", ".inf", "[-5]"};

    /** The {@code i}-th mutation of {@link #BASE}, reproducible from {@code seed}. */
    static byte[] mutate(long seed, int i) {
        Random r = new Random(seed * 1_000_003L + i);
        String[] lines = BASE.split("\n");
        switch (r.nextInt(11)) {
            case 0 -> { // drop a line
                List<String> l = new ArrayList<>(List.of(lines));
                l.remove(r.nextInt(l.size()));
                return String.join("\n", l).getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> { // wrong type or odd value for a field
                String key = KEYS[r.nextInt(KEYS.length)];
                String value = VALUES[r.nextInt(VALUES.length)];
                return replace(lines, key, value).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> { // unknown key
                return (BASE + "unknown" + r.nextInt(100) + ": 1\n").getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> { // deep nesting
                int depth = 200 + r.nextInt(5_000);
                return (BASE.replace("seeds: [1]", "seeds: " + "[".repeat(depth) + "]".repeat(depth)))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> { // a long string
                int n = r.nextBoolean() ? 1_100_000 : 200_000;
                return BASE.replace("name: fuzz", "name: " + "a".repeat(n)).getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> { // invalid UTF-8 inside otherwise good text
                byte[] b = BASE.getBytes(StandardCharsets.UTF_8);
                b[r.nextInt(b.length)] = (byte) (0x80 + r.nextInt(0x40));
                return b;
            }
            case 6 -> { // random bytes
                byte[] b = new byte[1 + r.nextInt(300)];
                r.nextBytes(b);
                return b;
            }
            case 7 -> { // truncated
                byte[] b = BASE.getBytes(StandardCharsets.UTF_8);
                return java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 8 -> { // negative or zero epochs / batch
                return BASE.replace("epochs: 1", "epochs: " + (-r.nextInt(5))).getBytes(StandardCharsets.UTF_8);
            }
            case 9 -> { // a valid variation (accepted)
                return BASE.replace("seeds: [1]", "seeds: [" + (2 + r.nextInt(1_000_000)) + "]")
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> { // JSON instead of YAML, with a type error
                return ("{\"name\": \"fuzz\", \"dataset\": {\"kind\": \"synthetic-patches\"}, \"students\": "
                        + VALUES[r.nextInt(VALUES.length)] + "}").getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static String replace(String[] lines, String key, String value) {
        String[] parts = key.split("\\.");
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (parts.length == 1 && line.startsWith(parts[0] + ":")) {
                out.append(parts[0]).append(": ").append(value);
            } else if (parts.length == 2 && line.startsWith(parts[0] + ":")) {
                out.append(line.replaceFirst("\\b" + parts[1] + ": [^,}]+", parts[1] + ": " + value));
            } else {
                out.append(line);
            }
            out.append('\n');
        }
        return out.toString();
    }

    @Test
    void thousandsOfMutatedSpecsAreEachAcceptedOrDeadLetteredAndTheIntakeSurvives(@TempDir Path tmp)
            throws Exception {
        int n = Integer.getInteger("kdml.fuzz.count", 2000);
        try (Stack stack = new Stack(new Stack.Settings(tmp.resolve("stack"), 0, 0, 0, 0, 1, 32)).start(Map.of())) {
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                    stack.config().bootstrap(), "max.request.size", 4_000_000, "linger.ms", 5),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < n; i++) {
                    p.send(new ProducerRecord<>(Topics.SPECS, null, mutate(42, i)));
                }
                p.flush();
            }
            long end = System.nanoTime() + 600_000_000_000L;
            while (stack.orchestrator().accepted() + stack.orchestrator().rejected() < n) {
                assertTrue(System.nanoTime() < end, "intake processed only " + (stack.orchestrator().accepted()
                        + stack.orchestrator().rejected()) + " of " + n);
                Thread.sleep(200);
            }
            long accepted = stack.orchestrator().accepted();
            long rejected = stack.orchestrator().rejected();
            List<ConsumerRecord<String, byte[]>> dlq = Clients.readAll(stack.config().bootstrap(), Topics.DLQ,
                    Duration.ofSeconds(60));
            assertEquals(rejected, dlq.size());
            for (ConsumerRecord<String, byte[]> r : dlq) {
                JsonNode d = Specs.json().readTree(r.value());
                assertFalse(d.path("reason").asText().isBlank(), d.toString());
                assertFalse(d.path("field").asText().isBlank(), d.toString());
                assertEquals(Topics.SPECS, d.path("source").asText());
            }
            assertEquals(0, stack.orchestrator().restarts(), "the intake crashed");
            System.out.printf("spec fuzzing: %d mutated inputs, %d accepted, %d rejected to %s, %d crashes%n", n,
                    accepted, rejected, Topics.DLQ, stack.orchestrator().restarts());

            String valid = BASE.replace("name: fuzz", "name: after-fuzz");
            try (KafkaProducer<String, String> p = Clients.producer(stack.config().bootstrap(), null)) {
                p.send(new ProducerRecord<>(Topics.SPECS, null, valid)).get(30, TimeUnit.SECONDS);
            }
            RunSpec run = Specs.runs(Specs.parse(valid, "valid.yaml")).get(0);
            end = System.nanoTime() + 60_000_000_000L;
            while (Clients.readAll(stack.config().bootstrap(), Topics.RUNS, Duration.ofSeconds(30)).stream()
                    .noneMatch(r -> run.runId().equals(r.key()))) {
                assertTrue(System.nanoTime() < end, "the valid spec after the fuzzing was not expanded");
                Thread.sleep(300);
            }
        }
    }
}
