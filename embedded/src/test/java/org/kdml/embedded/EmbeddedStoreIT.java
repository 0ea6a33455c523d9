package org.kdml.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.CorruptCheckpointException;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Phase;

/**
 * The tests' broker ({@link TestBroker}: embedded, or a container where Docker runs) and the
 * embedded S3 server start, answer real clients, and checkpoints round-trip with checks.
 */
class EmbeddedStoreIT {

    @Test
    void brokerCreatesTheContractTopicsAndS3KeepsVerifiedCheckpoints(@TempDir Path tmp) throws Exception {
        try (Broker kafka = TestBroker.start(tmp.resolve("kafka"));
                EmbeddedS3 s3 = new EmbeddedS3(tmp.resolve("s3"), 0, "ak", "sk-secret").start()) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(Topics.names()));
                assertEquals(6, admin.describeTopics(List.of(Topics.RUNS.name())).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(Topics.RUNS.name()).partitions().size());
            }
            PipelineConfig config = new PipelineConfig(kafka.bootstrap(), s3.endpoint(), "ak", "sk-secret",
                    PipelineConfig.BUCKET, tmp.resolve("work"));
            try (CheckpointStore store = new CheckpointStore(config, Duration.ofSeconds(10))) {
                store.ensureBucket();
                Path dir = Files.createDirectories(tmp.resolve("ck"));
                Files.writeString(dir.resolve("a.params"), "weights");
                Files.writeString(dir.resolve("state.json"), "{}");
                RunKeys keys = new RunKeys("exp", "0123456789abcdef");
                String prefix = keys.epoch(Phase.JOINT, 1);
                Manifest m = store.put(prefix, dir, new Manifest("0123456789abcdef", "exp", "epoch", "joint", 1, 1, null,
                        Map.of("seed", 1), 0));
                assertEquals(2, m.files().size());
                Manifest back = store.get(prefix, tmp.resolve("back"));
                assertEquals(m.files(), back.files());
                assertEquals("weights", Files.readString(tmp.resolve("back").resolve("a.params")));
                assertEquals(List.of(prefix), store.epochCheckpoints(keys));

                // A flipped byte and a truncated file are both refused, naming the object.
                store.putBytes(prefix + "a.params", "weighTs".getBytes(StandardCharsets.UTF_8));
                CorruptCheckpointException flipped = assertThrows(CorruptCheckpointException.class,
                        () -> store.get(prefix, tmp.resolve("x")));
                assertTrue(flipped.getMessage().startsWith(prefix + "a.params: SHA-256 "), flipped.getMessage());
                store.putBytes(prefix + "a.params", "weig".getBytes(StandardCharsets.UTF_8));
                CorruptCheckpointException cut = assertThrows(CorruptCheckpointException.class,
                        () -> store.get(prefix, tmp.resolve("y")));
                assertEquals(prefix + "a.params: 4 bytes, the manifest says 7 (truncated?)", cut.getMessage());
                assertArrayEquals("weig".getBytes(StandardCharsets.UTF_8), store.getBytes(prefix + "a.params"));
            }
        }
    }
}
