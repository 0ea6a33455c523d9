package org.kdml.orchestrator;

import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.state.ExperimentState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;

/**
 * A Kafka Streams materialized view of every experiment: {@code kdml.events} and
 * {@code kdml.results} merged, re-keyed by experiment and folded by {@link ExperimentState} into
 * the store {@value #STORE}, which {@link StatusServer}, {@code kdml run} and the dashboard query.
 */
public final class ExperimentView implements ExperimentSource, AutoCloseable {

    /** The store's name. */
    public static final String STORE = "experiments";

    private final KafkaStreams streams;

    /**
     * @param bootstrap Kafka bootstrap servers
     * @param stateDir the Streams state folder (must be outside the broker's log folders)
     */
    public ExperimentView(String bootstrap, Path stateDir) {
        Properties p = new Properties();
        p.putAll(Clients.extra());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "kdml-orchestrator-view");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 16_777_216);
        streams = new KafkaStreams(topology(), p);
    }

    /** The topology: events + results → by experiment → {@link ExperimentState#fold}. */
    public static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        KStream<String, String> events = b.stream(Topics.EVENTS.name(),
                Consumed.with(Serdes.String(), Serdes.String()));
        KStream<String, String> results = b.stream(Topics.RESULTS.name(),
                Consumed.with(Serdes.String(), Serdes.String()));
        events.merge(results)
                .map((k, v) -> KeyValue.pair(Topics.experimentOf(v), v))
                .filter((k, v) -> k != null)
                .groupByKey(Grouped.with("by-experiment", Serdes.String(), Serdes.String()))
                .aggregate(ExperimentState::new, (experiment, message, agg) -> agg.fold(message),
                        Materialized.<String, ExperimentState, KeyValueStore<Bytes, byte[]>>as(STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(STATE_SERDE));
        return b.build();
    }

    /** The store's values: {@link ExperimentState} as JSON. */
    static final Serde<ExperimentState> STATE_SERDE = Serdes.serdeFrom(
            (topic, state) -> state == null ? null : bytes(state),
            (topic, bytes) -> bytes == null ? null : state(bytes));

    private static byte[] bytes(ExperimentState state) {
        try {
            return Specs.json().writeValueAsBytes(state);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store the view of " + state.experiment(), e);
        }
    }

    private static ExperimentState state(byte[] bytes) {
        try {
            return Specs.json().readValue(bytes, ExperimentState.class);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable view in store " + STORE + ": " + e.getMessage(), e);
        }
    }

    /** Starts the view. */
    public ExperimentView start() {
        streams.start();
        return this;
    }

    private ReadOnlyKeyValueStore<String, ExperimentState> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** @return the experiment's state, or null when unknown (or the view is not ready yet) */
    public ExperimentState get(String experiment) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return null;
        }
        try {
            return store().get(experiment);
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    @Override
    public ExperimentStatus status(String experiment) {
        ExperimentState s = get(experiment);
        return s == null ? null : s.status();
    }

    /** @return the names of every experiment in the view */
    @Override
    public List<String> experiments() {
        List<String> out = new ArrayList<>();
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return out;
        }
        try (KeyValueIterator<String, ExperimentState> it = store().all()) {
            it.forEachRemaining(kv -> out.add(kv.key));
        } catch (InvalidStateStoreException e) {
            // Rebalancing: nothing to list this instant.
        }
        return out;
    }

    /** @return the Streams state, e.g. RUNNING */
    public String state() {
        return streams.state().name();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
