package org.kdml.pipeline;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.kdml.spec.Specs;

/**
 * Kafka clients configured for the pipeline: producers wait for the broker ({@code acks=all},
 * idempotent, retried for two minutes while the broker is away); consumers read committed data
 * only and commit by hand.
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
                java.util.Properties p = new java.util.Properties();
                try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))) {
                    p.load(in);
                } catch (java.io.IOException ex) {
                    throw new IllegalArgumentException(PROPERTIES_ENV + ": cannot read " + file + ": " + ex.getMessage());
                }
                p.forEach((k, v) -> m.put((String) k, v));
            }
            extra = e = Map.copyOf(m);
        }
        return e;
    }

    /** An admin client with the pipeline's settings. */
    public static org.apache.kafka.clients.admin.Admin admin(String bootstrap) {
        Map<String, Object> p = new HashMap<>(extra());
        p.put("bootstrap.servers", bootstrap);
        return org.apache.kafka.clients.admin.Admin.create(p);
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

    /**
     * Commits the producer's transaction, retrying a commit that timed out (allowed by Kafka: the
     * outcome is then unknown and a retry completes it). Any other failure aborts (best effort) and
     * throws, so that the caller restarts from the broker's committed state instead of guessing.
     *
     * @throws IllegalStateException when the transaction could not be committed
     */
    public static void commit(KafkaProducer<String, String> producer) {
        org.apache.kafka.common.errors.TimeoutException last = null;
        for (int i = 0; i < 5; i++) {
            try {
                producer.commitTransaction();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                last = e;
            } catch (org.apache.kafka.common.KafkaException e) {
                try {
                    producer.abortTransaction();
                } catch (org.apache.kafka.common.KafkaException ignored) {
                    // The loop restarts with a new producer, which fences this one.
                }
                throw new IllegalStateException("transaction failed (" + e + "); restarting from committed state", e);
            }
        }
        throw new IllegalStateException("transaction commit timed out 5 times; restarting from committed state", last);
    }

    /**
     * One consume–transform–produce step with exactly-once output: {@code handler} sees every
     * record and sends with {@code producer}; the records' offsets and everything sent commit
     * together, or nothing does and this throws so that the caller restarts from the committed state.
     */
    public static void transact(KafkaProducer<String, String> producer, KafkaConsumer<String, byte[]> consumer,
            org.apache.kafka.clients.consumer.ConsumerRecords<String, byte[]> records,
            java.util.function.Consumer<ConsumerRecord<String, byte[]>> handler) {
        producer.beginTransaction();
        try {
            for (ConsumerRecord<String, byte[]> r : records) {
                handler.accept(r);
            }
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, byte[]>> part = records.records(tp);
                offsets.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(
                        part.get(part.size() - 1).offset() + 1));
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        } catch (org.apache.kafka.common.errors.ProducerFencedException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (org.apache.kafka.common.KafkaException ignored) {
                // A new producer fences this one.
            }
            throw new IllegalStateException("transaction failed: " + e, e);
        }
        commit(producer);
    }

    /** Sleeps, keeping the interrupt flag when interrupted. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends {@code value} as JSON and waits until the broker has it (at most two minutes). */
    public static void sendJson(KafkaProducer<String, String> producer, String topic, String key, Object value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, json(value))).get(150, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** @return {@code value} as compact JSON */
    public static String json(Object value) {
        try {
            return Specs.json().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Decodes strict UTF-8.
     *
     * @throws CharacterCodingException when the bytes are not UTF-8
     */
    public static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    /** A dead letter for {@code record}, its input cut to 64 KiB (Base64 when it is not UTF-8). */
    public static DeadLetter deadLetter(ConsumerRecord<String, byte[]> record, String field, String reason,
            String service) {
        byte[] v = record.value() == null ? new byte[0] : record.value();
        String input;
        try {
            input = utf8(v);
            if (input.length() > 65_536) {
                input = input.substring(0, 65_536) + "... (" + input.length() + " characters)";
            }
        } catch (CharacterCodingException e) {
            byte[] cut = v.length > 49_152 ? java.util.Arrays.copyOf(v, 49_152) : v;
            input = "base64:" + java.util.Base64.getEncoder().encodeToString(cut);
        }
        return new DeadLetter(record.topic(), record.partition(), record.offset(), field, reason, input, service,
                System.currentTimeMillis());
    }

    /**
     * Reads {@code topic} from the beginning to its current end with a group-less consumer.
     *
     * @param timeout the longest the whole read may take
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new java.util.ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap, null, 500, 300_000)) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("reading " + topic + " to its end took"
                            + " longer than " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
