package org.kdml.pipeline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Exactly-once steps of the services: what a step sends and the offsets of what it read commit
 * together in one Kafka transaction, or nothing does and the step throws, so that the service
 * restarts from the broker's committed state instead of guessing.
 */
public final class Transactions {

    /** Commit attempts after a timeout (the outcome is then unknown and a retry completes it). */
    private static final int COMMIT_TRIES = 5;

    private Transactions() {
    }

    /**
     * Commits the producer's transaction, retrying a commit that timed out. Any other failure
     * aborts (best effort) and throws.
     *
     * @throws IllegalStateException when the transaction could not be committed
     */
    public static void commit(KafkaProducer<String, String> producer) {
        TimeoutException last = null;
        for (int i = 0; i < COMMIT_TRIES; i++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                // Visible, not silent: a commit that waits on the broker is where a stalled service stands.
                System.err.println("transaction commit " + (i + 1) + " of " + COMMIT_TRIES + " timed out ("
                        + e.getMessage() + ")");
                last = e;
            } catch (KafkaException e) {
                abort(producer);
                throw new IllegalStateException("transaction failed (" + e + "); restarting from committed state", e);
            }
        }
        throw new IllegalStateException("transaction commit timed out " + COMMIT_TRIES
                + " times; restarting from committed state", last);
    }

    /**
     * One consume–transform–produce step: {@code handler} sees every record and sends with
     * {@code producer}; the records' offsets and everything sent commit together.
     */
    public static void step(KafkaProducer<String, String> producer, KafkaConsumer<String, byte[]> consumer,
            ConsumerRecords<String, byte[]> records, Consumer<ConsumerRecord<String, byte[]>> handler) {
        producer.beginTransaction();
        try {
            for (ConsumerRecord<String, byte[]> r : records) {
                handler.accept(r);
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, byte[]>> part = records.records(tp);
                offsets.put(tp, new OffsetAndMetadata(part.get(part.size() - 1).offset() + 1));
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            abort(producer);
            throw new IllegalStateException("transaction failed: " + e, e);
        }
        commit(producer);
    }

    /**
     * Sends {@code sends} and the offset after {@code record} in one transaction.
     *
     * @param sends what to publish with the offset
     */
    public static void acknowledge(KafkaProducer<String, String> producer, KafkaConsumer<String, byte[]> consumer,
            ConsumerRecord<String, byte[]> record, Runnable sends) {
        producer.beginTransaction();
        try {
            sends.run();
            producer.sendOffsetsToTransaction(Map.of(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1)), consumer.groupMetadata());
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            abort(producer);
            throw new IllegalStateException("transaction failed: " + e, e);
        }
        commit(producer);
    }

    private static void abort(KafkaProducer<String, String> producer) {
        try {
            producer.abortTransaction();
        } catch (KafkaException ignored) {
            // A new producer fences this one.
        }
    }
}
