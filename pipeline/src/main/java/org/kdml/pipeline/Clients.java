package org.kdml.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka clients configured for the pipeline: producers wait for the broker ({@code acks=all},
 * idempotent, retried for two minutes while the broker is away); consumers read committed data
 * only and commit by hand. Every Kafka client of kdml is made here, so that deployment settings
 * ({@value #PROPERTIES_ENV}) reach all of them.
 */
public final class Clients {

    private Clients() {
    }

    /** Environment variable naming a {@code .properties} file merged into every Kafka client's settings. */
    public static final String PROPERTIES_ENV = "KDML_KAFKA_PROPERTIES";

    private static volatile Map<String, Object> extra;

    /**
     * Settings for real deployments — {@code security.protocol}, {@code sasl.*}, {@code ssl.*} —
     * read once from the file {@value #PROPERTIES_ENV} names (none when unset).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read
     */
    public static Map<String, Object> extra() {
        Map<String, Object> e = extra;
        if (e == null) {
            Map<String, Object> m = new HashMap<>();
            String file = System.getenv(PROPERTIES_ENV);
            if (file != null && !file.isBlank()) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(Path.of(file))) {
                    p.load(in);
                } catch (IOException ex) {
                    throw new IllegalArgumentException(PROPERTIES_ENV + ": cannot read " + file + ": " + ex.getMessage());
                }
                p.forEach((k, v) -> m.put((String) k, v));
            }
            extra = e = Map.copyOf(m);
        }
        return e;
    }

    /** An admin client with the pipeline's settings. */
    public static Admin admin(String bootstrap) {
        Map<String, Object> p = new HashMap<>(extra());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    /** A string producer; transactional when {@code transactionalId} is not null. */
    public static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
        Map<String, Object> p = new HashMap<>(extra());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16_777_216);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000);
        }
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /**
     * A consumer of raw bytes (so that bad input can be reported rather than fail deserialisation).
     *
     * @param group the consumer group, or null for a consumer that only reads (assign + seek)
     * @param maxPollIntervalMs how long processing may hold one poll before the group presumes the
     *     member dead
     */
    public static KafkaConsumer<String, byte[]> consumer(String bootstrap, String group, int maxPollRecords,
            int maxPollIntervalMs) {
        Map<String, Object> p = new HashMap<>(extra());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16_777_216);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Sleeps, keeping the interrupt flag when interrupted. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Publishes one value and waits until the broker has it (at most two and a half minutes).
     *
     * @throws IllegalStateException naming the topic when the broker did not take it
     */
    public static <V> void publish(String bootstrap, Topic<V> topic, String key, V value) {
        try (KafkaProducer<String, String> p = producer(bootstrap, null)) {
            p.send(topic.record(key, value)).get(150, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {  // qualified: Kafka's TimeoutException is imported
            throw new IllegalStateException("publishing to " + topic + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes raw bytes that need not be values of {@code topic} (the fault-injection suite's
     * fuzzed input), and waits until the broker has them all.
     *
     * @throws IllegalStateException naming the topic when the broker did not take them
     */
    public static void publishBytes(String bootstrap, Topic<?> topic, List<byte[]> values) {
        Map<String, Object> p = new HashMap<>(extra());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4_000_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (byte[] v : values) {
                sent.add(producer.send(new ProducerRecord<>(topic.name(), null, v)));
            }
            for (Future<?> f : sent) {
                f.get(150, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {  // qualified: Kafka's TimeoutException is imported
            throw new IllegalStateException("publishing to " + topic + " failed: " + e.getMessage(), e);
        }
    }

    /** The raw values of {@code topic} from its beginning to its current end (committed only). */
    public static List<byte[]> rawValues(String bootstrap, Topic<?> topic, Duration timeout) {
        return readAll(bootstrap, topic, timeout).stream().map(ConsumerRecord::value).toList();
    }

    /**
     * The values of {@code topic} from its beginning to its current end (committed only), in
     * partition order; records that are not values of the topic are left out.
     *
     * @param timeout the longest the whole read may take
     */
    public static <V> List<V> values(String bootstrap, Topic<V> topic, Duration timeout) {
        List<V> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, topic, timeout)) {
            try {
                out.add(topic.parse(r.value()));
            } catch (IOException e) {
                // Not a value of this topic (its producer reports it): nothing to read here.
            }
        }
        return out;
    }

    /**
     * Reads {@code topic} from the beginning to its current end with a group-less consumer.
     *
     * @param idle the longest the read may go without receiving a record while records are still
     *     due (a long topic on a busy machine takes as long as it takes)
     * @throws TimeoutException naming the topic when no record came for {@code idle}
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, Topic<?> topic, Duration idle) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap, null, 500, 300_000)) {
            List<TopicPartition> parts = c.partitionsFor(topic.name(), idle).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, idle);
            long lastProgress = System.nanoTime();
            while (parts.stream().anyMatch(tp -> c.position(tp, idle) < end.get(tp))) {
                if (System.nanoTime() - lastProgress > idle.toNanos()) {
                    throw new TimeoutException("reading " + topic + " to its end " + end + ": no record for " + idle
                            + " (" + out.size() + " read)");
                }
                int before = out.size();
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() > before) {
                    lastProgress = System.nanoTime();
                }
            }
        }
        return out;
    }

}
