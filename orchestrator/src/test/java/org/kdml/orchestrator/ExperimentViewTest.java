package org.kdml.orchestrator;

import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.state.RunStatus;
import org.kdml.pipeline.state.ExperimentState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;
import org.kdml.spec.Summary;

/** The experiment view's topology, driven by {@link TopologyTestDriver}, with hand-computed summaries. */
class ExperimentViewTest {

    private static String event(String type, String run, String variant, int seed, String extra) {
        return "{\"type\":\"" + type + "\",\"runId\":\"" + run + "\",\"experiment\":\"exp\",\"variant\":\"" + variant
                + "\",\"seed\":" + seed + ",\"attempt\":1,\"index\":1,\"total\":3,\"time\":1000" + extra + "}";
    }

    private static String metrics(String run, String variant, int seed, double s1) {
        return "{\"kind\":\"metrics\",\"runId\":\"" + run + "\",\"experiment\":\"exp\",\"variant\":\"" + variant
                + "\",\"seed\":" + seed + ",\"attempt\":1,\"time\":2000,\"payload\":{\"networks\":{"
                + "\"s1\":{\"test\":{\"accuracy\":" + s1 + "}}}}}";
    }

    @Test
    void foldsEventsAndResultsIntoProgressAndMeanStdPerVariant() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "view-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(ExperimentView.topology(), p)) {
            TestInputTopic<String, String> events = driver.createInputTopic(Topics.EVENTS.name(), new StringSerializer(),
                    new StringSerializer());
            TestInputTopic<String, String> results = driver.createInputTopic(Topics.RESULTS.name(), new StringSerializer(),
                    new StringSerializer());
            events.pipeInput("a", event("queued", "a", "kd-ml-v3", 1, ""));
            events.pipeInput("b", event("queued", "b", "kd-ml-v3", 2, ""));
            events.pipeInput("c", event("queued", "c", "ml-v1", 1, ""));
            events.pipeInput("a", event("started", "a", "kd-ml-v3", 1, ""));
            events.pipeInput("a", event("epoch", "a", "kd-ml-v3", 1, ",\"phase\":\"joint\",\"epoch\":2,\"epochs\":5"));
            // The retry flag, not the reason's prose, says another attempt follows.
            events.pipeInput("c", event("failed", "c", "ml-v1", 1, ",\"reason\":\"giving up: boom\",\"retrying\":true"));
            events.pipeInput("x", "not json at all");
            KeyValueStore<String, ExperimentState> store = driver.getKeyValueStore(ExperimentView.STORE);
            ExperimentStatus st = store.get("exp").status();
            assertEquals(3, st.total());
            assertEquals(1, st.count(RunStatus.QUEUED));
            assertEquals(1, st.count(RunStatus.RUNNING));
            assertEquals(1, st.count(RunStatus.RETRYING));
            assertEquals(false, st.done());

            results.pipeInput("a", metrics("a", "kd-ml-v3", 1, 0.80));
            results.pipeInput("b", metrics("b", "kd-ml-v3", 2, 0.90));
            events.pipeInput("c", event("failed", "c", "ml-v1", 1, ",\"reason\":\"retrying: boom\",\"retrying\":false"));
            st = store.get("exp").status();
            assertEquals(2, st.count(RunStatus.EVALUATED));
            assertEquals(1, st.count(RunStatus.FAILED));
            assertEquals(true, st.done());
            assertEquals("accuracy", st.metric());
            Summary s1 = st.variants().get("kd-ml-v3").get("s1");
            // mean(0.8, 0.9) = 0.85; sample std = sqrt(((-0.05)^2 + 0.05^2) / 1) = 0.0707107
            assertEquals(0.85, s1.mean(), 1e-12);
            assertEquals(0.0707107, s1.std(), 1e-6);
            assertEquals(2, s1.n());
            // The status endpoint's JSON reads back as the same status.
            assertEquals(st.counts(), Specs.json().readValue(Specs.json().writeValueAsString(st),
                    ExperimentStatus.class).counts());
            assertNull(store.get("x"));
            assertEquals(List.of("exp"), List.of(store.all().next().key));
        }
    }
}
