package org.kdml.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;

/**
 * The test kit of the pipeline: a Kafka broker from {@link TestBroker} (the embedded one, or a
 * Testcontainers Kafka where Docker runs; with the contract's topics) and an
 * {@link EmbeddedS3} server (with the checkpoint bucket) in one folder, the {@link PipelineConfig}
 * that reaches them, and a {@link Probe} that publishes messages and reads what was committed.
 * A service under test is started on {@link #config()}; the test publishes its input with
 * {@link #publish} and awaits its output with {@link Await}, on the {@link Probe}'s counts.
 *
 * <pre>{@code
 * try (EmbeddedStack stack = EmbeddedStack.start(tmp);
 *         Evaluator evaluator = new Evaluator(stack.config())) {
 *     evaluator.start();
 *     stack.publishJson(Topics.EVENTS, runId, completed);
 *     stack.probe().await(Topics.RESULTS, n -> runId.equals(n.path("runId").asText()), 1, IDLE);
 * }
 * }</pre>
 *
 * <p>Closing stops S3, then the broker; the folder stays (it is the test's temporary folder).
 */
public final class EmbeddedStack implements AutoCloseable {

    /** The S3 access key of a test stack. */
    public static final String ACCESS_KEY = "it-access";
    /** The S3 secret key of a test stack; tests check that it appears nowhere. */
    public static final String SECRET_KEY = "it-secret-value";

    /** The longest one admin call or publish may take (the broker answers in milliseconds). */
    private static final Duration CALL = Duration.ofSeconds(60);

    private final Broker kafka;
    private final EmbeddedS3 s3;
    private final PipelineConfig config;
    private final Probe probe;

    private EmbeddedStack(Broker kafka, EmbeddedS3 s3, PipelineConfig config) {
        this.kafka = kafka;
        this.s3 = s3;
        this.config = config;
        this.probe = new Probe(config.bootstrap());
    }

    /**
     * Starts a broker ({@link TestBroker#start}, an embedded one in {@code dir/kafka}) and an S3 server in {@code dir/s3} on free ports, creates
     * the checkpoint bucket, and gives {@code dir/work} as the services' scratch folder.
     *
     * @param dir a folder of the test's own, e.g. a {@code @TempDir}
     */
    public static EmbeddedStack start(Path dir) throws Exception {
        Broker kafka = TestBroker.start(dir.resolve("kafka"));
        EmbeddedS3 s3 = null;
        try {
            s3 = new EmbeddedS3(dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY).start();
            PipelineConfig config = new PipelineConfig(kafka.bootstrap(), s3.endpoint(), ACCESS_KEY, SECRET_KEY,
                    PipelineConfig.BUCKET, dir.resolve("work"));
            try (CheckpointStore store = new CheckpointStore(config, Duration.ofSeconds(30))) {
                store.ensureBucket();
            }
            return new EmbeddedStack(kafka, s3, config);
        } catch (Exception | Error e) {
            if (s3 != null) {
                s3.close();
            }
            kafka.close();
            throw e;
        }
    }

    /** @return where the services find this broker and S3 server */
    public PipelineConfig config() {
        return config;
    }

    /** @return the probe of this stack's broker */
    public Probe probe() {
        return probe;
    }

    /** @return a checkpoint store on this stack's S3 server (the caller closes it) */
    public CheckpointStore store() {
        return new CheckpointStore(config, Duration.ofSeconds(30));
    }

    /** Publishes {@code text} to {@code topic}; see {@link Probe#publish}. */
    public RecordMetadata publish(Topic<?> topic, String key, String text) {
        return probe.publish(topic, key, text);
    }

    /** Publishes {@code value} as JSON to {@code topic}; see {@link Probe#publishJson}. */
    public RecordMetadata publishJson(Topic<?> topic, String key, Object value) {
        return probe.publishJson(topic, key, value);
    }

    /** The committed records of {@code topic}; see {@link Probe#records}. */
    public List<ConsumerRecord<String, byte[]>> records(Topic<?> topic) {
        return probe.records(topic);
    }

    /** Stops the broker and starts it again on the same address, with its data (fault injection). */
    public void restartKafka() throws Exception {
        kafka.restart();
    }

    /** Stops the S3 server (fault injection); {@link #startS3} brings it back with the same objects. */
    public void stopS3() throws Exception {
        s3.close();
    }

    /** Starts the S3 server again after {@link #stopS3}. */
    public void startS3() throws Exception {
        s3.start();
    }

    /** Closes the probe, then stops S3 and the broker. */
    @Override
    public void close() throws Exception {
        try {
            probe.close();
        } finally {
            try {
                s3.close();
            } finally {
                kafka.close();
            }
        }
    }

    /**
     * A test's view of one broker: publishes, reads what was committed ({@code read_committed}, as
     * the services read), and measures the progress that waits count on — end offsets of topics
     * and offsets committed by consumer groups. It holds one admin client and one producer;
     * reads are cached per topic until the topic's end offsets move, so that an {@link Await}
     * that polls a condition every 50 ms does not open a consumer each time.
     */
    public static final class Probe implements AutoCloseable {

        private final String bootstrap;
        private final Admin admin;
        private final Map<String, List<TopicPartition>> partitions = new HashMap<>();
        private final Map<String, Read> reads = new HashMap<>();
        private KafkaProducer<String, String> producer;
        private KafkaProducer<String, byte[]> raw;

        /** A read of a topic and the end offsets it reached at least. */
        private record Read(Map<TopicPartition, Long> end, List<ConsumerRecord<String, byte[]>> records) {
        }

        /** @param bootstrap the broker */
        public Probe(String bootstrap) {
            this.bootstrap = bootstrap;
            this.admin = Clients.admin(bootstrap);
        }

        /**
         * Publishes {@code text} (UTF-8) to {@code topic} and waits until the broker has it.
         *
         * @param key the key, or null
         * @return where it landed
         */
        public synchronized RecordMetadata publish(Topic<?> topic, String key, String text) {
            if (producer == null) {
                producer = Clients.producer(bootstrap, null);
            }
            return get(producer.send(new ProducerRecord<>(topic.name(), key, text)), "publishing to " + topic);
        }

        /** Publishes {@code value} as compact JSON ({@link Clients#json}); see {@link #publish}. */
        public RecordMetadata publishJson(Topic<?> topic, String key, Object value) {
            return publish(topic, key, json(value));
        }

        /** Publishes raw bytes (e.g. input that is not UTF-8), as any Kafka client could; see {@link #publish}. */
        public synchronized RecordMetadata publishBytes(Topic<?> topic, String key, byte[] value) {
            if (raw == null) {
                Map<String, Object> p = new HashMap<>(Clients.extra());
                p.put("bootstrap.servers", bootstrap);
                p.put("acks", "all");
                raw = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
            }
            return get(raw.send(new ProducerRecord<>(topic.name(), key, value)), "publishing to " + topic);
        }

        /**
         * Every committed record of {@code topic}, from its beginning to its end now, in partition
         * order then offset order.
         */
        public synchronized List<ConsumerRecord<String, byte[]>> records(Topic<?> topic) {
            Map<TopicPartition, Long> end = endOffsets(topic, IsolationLevel.READ_COMMITTED);
            Read last = reads.get(topic.name());
            if (last == null || !last.end().equals(end)) {
                // The read goes at least to `end`; keyed by `end`, a later call never misses a record.
                last = new Read(end, List.copyOf(read(bootstrap, topic, CALL)));
                reads.put(topic.name(), last);
            }
            return last.records();
        }

        /**
         * The committed messages of {@code topic} that are JSON and pass {@code filter}, in
         * partition then offset order; values that are not JSON are left out.
         */
        public List<JsonNode> messages(Topic<?> topic, Predicate<JsonNode> filter) {
            List<JsonNode> out = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records(topic)) {
                JsonNode n = parse(r.value());
                if (n != null && filter.test(n)) {
                    out.add(n);
                }
            }
            return out;
        }

        /**
         * Waits until {@code topic} has at least {@code count} committed messages that pass
         * {@code filter}, failing only when nothing at all was written to any topic of the
         * contract for {@code idle} (see {@link #activity}).
         *
         * @param what names the messages for the failure
         * @return the messages that pass {@code filter} (at least {@code count})
         */
        public List<JsonNode> await(Topic<?> topic, Predicate<JsonNode> filter, int count, Duration idle, String what) {
            List<List<JsonNode>> got = new ArrayList<>(List.of(List.of()));
            Await.until(() -> {
                got.set(0, messages(topic, filter));
                return got.get(0).size() >= count;
            }, this::activity, idle, () -> count + " " + what + " on " + topic + "; got " + got.get(0).size() + ": "
                    + got.get(0));
            return got.get(0);
        }

        /**
         * The end offset of each partition of {@code topic}: the offset the next record will get,
         * transactions in progress included.
         */
        public synchronized Map<TopicPartition, Long> endOffsets(Topic<?> topic) {
            return endOffsets(topic, IsolationLevel.READ_UNCOMMITTED);
        }

        /** @return the sum of the end offsets of {@code topic} (records written, transaction markers included) */
        public long written(Topic<?> topic) {
            return endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
        }

        /**
         * What moves while the pipeline works: {@link #written} of every topic of the contract.
         * Every service writes to a topic in each step it commits (an event, a result, a dead
         * letter, or a transaction marker), and a trainer writes an event each epoch; so when this
         * stands still for minutes, the pipeline is stuck.
         */
        public Map<String, Long> activity() {
            Map<String, Long> out = new LinkedHashMap<>();
            for (Topic<?> t : Topics.ALL) {
                out.put(t.name(), written(t));
            }
            return out;
        }

        /** @return the offsets {@code group} has committed on {@code topic}, by partition (none: empty) */
        public synchronized Map<TopicPartition, Long> committed(String group, Topic<?> topic) {
            Map<TopicPartition, OffsetAndMetadata> all = get(admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata(), "reading the offsets of group " + group);
            Map<TopicPartition, Long> out = new HashMap<>();
            all.forEach((tp, o) -> {
                if (o != null && tp.topic().equals(topic.name())) {
                    out.put(tp, o.offset());
                }
            });
            return out;
        }

        /**
         * Waits until consumer group {@code group} has committed offsets past every record now on
         * {@code topic}, failing only when its committed offsets stand still for {@code idle}.
         * The services commit their offsets in the transaction of what they produce, so
         * afterwards everything they made of those records is readable.
         */
        public void awaitProcessed(String group, Topic<?> topic, Duration idle) {
            Map<TopicPartition, Long> last = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : records(topic)) {
                last.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max);
            }
            List<Map<TopicPartition, Long>> seen = new ArrayList<>(List.of(Map.of()));
            Supplier<Map<TopicPartition, Long>> committed = () -> {
                seen.set(0, committed(group, topic));
                return seen.get(0);
            };
            Await.until(() -> {
                Map<TopicPartition, Long> now = committed.get();
                return last.entrySet().stream().allMatch(e -> now.getOrDefault(e.getKey(), -1L) > e.getValue());
            }, () -> seen.get(0), idle,
                    () -> group + " to process " + topic + " past offsets " + last + "; committed " + seen.get(0));
        }

        private Map<TopicPartition, Long> endOffsets(Topic<?> topic, IsolationLevel isolation) {
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            for (TopicPartition tp : partitions(topic)) {
                query.put(tp, OffsetSpec.latest());
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            get(admin.listOffsets(query, new ListOffsetsOptions(isolation)).all(), "reading the end of " + topic)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }

        private List<TopicPartition> partitions(Topic<?> topic) {
            return partitions.computeIfAbsent(topic.name(), t -> get(admin.describeTopics(List.of(t)).allTopicNames(),
                    "describing " + t).get(t).partitions().stream().map(p -> new TopicPartition(t, p.partition()))
                    .toList());
        }

        /** Closes the producers and the admin client. */
        @Override
        public synchronized void close() {
            if (producer != null) {
                producer.close(CALL);
            }
            if (raw != null) {
                raw.close(CALL);
            }
            admin.close(CALL);
        }
    }

    /**
     * Reads {@code topic} from its beginning to its end now ({@code read_committed}), with a
     * consumer of no group. Unlike {@link Clients#readAll}, whose time limit counts from the start
     * and so fails a long topic on a busy machine, this fails only when no record came for
     * {@code idle} while records were still due.
     *
     * @return the records, in partition then offset order
     */
    public static List<ConsumerRecord<String, byte[]>> read(String bootstrap, Topic<?> topic, Duration idle) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = Clients.consumer(bootstrap, null, 500, 300_000)) {
            List<TopicPartition> parts = c.partitionsFor(topic.name(), idle).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, idle);
            Await.until(() -> {
                if (parts.stream().allMatch(tp -> c.position(tp, idle) >= end.get(tp))) {
                    return true;
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return false;
            }, out::size, idle, () -> "reading " + topic + " to its end " + end + " (" + out.size() + " records read)");
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    private static String json(Object value) {
        try {
            return Specs.json().writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    /** @return {@code bytes} as JSON, or null when they are not */
    private static JsonNode parse(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return Specs.json().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    private static <T> T get(Future<T> f, String what) {
        try {
            return f.get(CALL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " took longer than " + CALL, e);
        }
    }

}
