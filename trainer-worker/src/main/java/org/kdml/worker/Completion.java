package org.kdml.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.kdml.pipeline.DeadLetter;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.pipeline.Transactions;

/**
 * How an attempt's end reaches Kafka. Every ending that moves the offset goes out in one
 * transaction with it: a completion ({@code completed} unless it had completed before), a last
 * failure ({@code failed}, not retrying), or a message that is not a run (a dead letter).
 *
 * @param consumer the worker's consumer (its group metadata goes into each transaction)
 * @param tx the worker's transactional producer
 * @param worker the worker's id
 * @param bucket the checkpoint bucket, for the completion's checkpoint location
 */
record Completion(KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, String> tx, String worker,
        String bucket) {

    /** The run in {@code record} completed; commits {@code completed} (unless a duplicate) and the offset. */
    void completed(ConsumerRecord<String, byte[]> record, RunMessage run, int attempt, Attempt.Outcome outcome) {
        // If this fails the outcome may be unknown: the loop restarts from the broker's committed
        // offsets. Not committed → the run is delivered again and, its final checkpoint being in S3,
        // completes without training; committed → it is not delivered again. Never both.
        Transactions.acknowledge(tx, consumer, record, () -> {
            if (!outcome.alreadyCompleted()) {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put(RunEvent.CHECKPOINT, bucket + "/" + outcome.finalPrefix());
                info.putAll(outcome.timings());
                RunEvent done = RunEvent.of(EventType.COMPLETED, run, attempt, worker, null)
                        .withEpoch(null, 0, 0, info);
                tx.send(Topics.EVENTS.record(run.runId(), done));
            }
        });
    }

    /**
     * {@code run} waits for its frozen teacher: commits {@code queued} with the reason and the offset
     * (the run is republished when the teacher lands).
     */
    void waiting(ConsumerRecord<String, byte[]> record, RunMessage run, int attempt, String reason) {
        Transactions.acknowledge(tx, consumer, record, () -> tx.send(Topics.EVENTS.record(run.runId(),
                RunEvent.of(EventType.QUEUED, run, attempt, worker, reason))));
    }

    /** The last attempt of {@code run} failed: commits {@code failed} (not retrying) and the offset. */
    void gaveUp(ConsumerRecord<String, byte[]> record, RunMessage run, int attempt, String reason) {
        Transactions.acknowledge(tx, consumer, record, () -> tx.send(Topics.EVENTS.record(run.runId(),
                RunEvent.failed(run, attempt, worker, reason, false))));
    }

    /** {@code record} is not a run that can be trained: commits a dead letter and the offset. */
    void rejected(ConsumerRecord<String, byte[]> record, String reason) {
        Transactions.acknowledge(tx, consumer, record, () -> tx.send(Topics.DLQ.record(record.key(),
                DeadLetter.of(record, "run", reason, "trainer-worker"))));
    }
}
