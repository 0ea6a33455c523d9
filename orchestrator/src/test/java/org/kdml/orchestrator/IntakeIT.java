package org.kdml.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.Broker;
import org.kdml.embedded.TestBroker;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.DeadLetter;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;

/**
 * The orchestrator's intake runs with no PyTorch on its classpath and no data on its disk, and
 * still refuses a feature edge between maps of different shapes, naming the field.
 */
class IntakeIT {

    private static final String SPEC = String.join("\n",
            "name: intake",
            "dataset: {kind: pcam, root: /nonexistent/pcam, imageSize: 32}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, STUDENT2]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [1, 2]",
            "");

    private static List<ConsumerRecord<String, byte[]>> committed(Broker kafka, Topic<?> topic) {
        return Clients.readAll(kafka.bootstrap(), topic, Duration.ofMinutes(1));
    }

    @Test
    void theOrchestratorNeedsNeitherTheEngineNorTheData() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.djl.engine.Engine"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.kdml.core.train.RunTrainer"));
    }

    @Test
    void acceptsASpecWhoseDataIsElsewhereAndRefusesMismatchedFeatureEdges(@TempDir Path tmp) throws Exception {
        try (Broker kafka = TestBroker.start(tmp.resolve("kafka"));
                Orchestrator orchestrator = new Orchestrator(kafka.bootstrap()).start()) {
            try (KafkaProducer<String, String> p = Clients.producer(kafka.bootstrap(), null)) {
                p.send(Topics.SPECS.record(null, SPEC.replace("STUDENT2", "resnet18-tiny")))
                        .get(60, TimeUnit.SECONDS);
                // kd-ml-v3: s2 learns the teacher's features; a MobileNet-tiny student has 256
                // channels where s1 has 128, so the S1 <-> S2 feature edge cannot hold.
                p.send(Topics.SPECS.record(null, SPEC.replace("STUDENT2", "mobilenet-tiny")))
                        .get(60, TimeUnit.SECONDS);
            }
            // What was committed, on the topics themselves.
            Await.until(() -> committed(kafka, Topics.RUNS).size() == 2 && committed(kafka, Topics.DLQ).size() == 1,
                    () -> committed(kafka, Topics.RUNS).size() + committed(kafka, Topics.DLQ).size(),
                    Duration.ofMinutes(1), () -> "2 runs and 1 dead letter committed");
            assertEquals(1, orchestrator.accepted());
            assertEquals(1, orchestrator.rejected());
            List<ConsumerRecord<String, byte[]>> dlq = committed(kafka, Topics.DLQ);
            DeadLetter letter = Topics.DLQ.parse(dlq.get(0).value());
            assertEquals("students", letter.field());
            String reason = letter.reason();
            assertTrue(reason.contains("feature edge") && reason.contains("mobilenet-tiny")
                    && reason.contains("feature edges need equal shapes"), reason);
            assertEquals("orchestrator", letter.service());
        }
    }
}
