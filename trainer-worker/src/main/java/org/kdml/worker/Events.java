package org.kdml.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.RunPosition;
import org.kdml.pipeline.Topics;
import org.kdml.results.EpochRecord;
import org.kdml.spec.Phase;

/**
 * A worker's progress events on {@code kdml.events} for one attempt of one run. Best effort and
 * asynchronous: training never waits on them (completion and failure go out transactionally,
 * see {@link Completion}).
 *
 * @param producer a non-transactional producer
 * @param run the run
 * @param attempt the attempt
 * @param worker the worker's id
 */
record Events(KafkaProducer<String, String> producer, RunMessage run, int attempt, String worker) {

    /**
     * A worker took the run.
     *
     * @param resumedFrom the epoch checkpoint it resumes from (null when it starts afresh): in
     *     {@code position}, and in {@code reason} for people
     */
    void started(String resumedFrom) {
        RunEvent e = RunEvent.of(EventType.STARTED, run, attempt, worker,
                resumedFrom == null ? null : "resuming from " + resumedFrom);
        send(resumedFrom == null ? e : e.withPosition(RunPosition.of(resumedFrom, null)));
    }

    /** A checkpoint was refused (its checksum); {@code notice} says which and what comes instead. */
    void refused(String notice) {
        send(RunEvent.of(EventType.STARTED, run, attempt, worker, notice));
    }

    /** An epoch finished, with its losses and validation scores; its phase has {@code epochs} epochs. */
    void epoch(EpochRecord record, int epochs) {
        send(RunEvent.of(EventType.EPOCH, run, attempt, worker, null).withEpoch(record, epochs));
    }

    /** The checkpoint after {@code epoch} of {@code phase} is durable at {@code location}. */
    void checkpointed(Phase phase, int epoch, String location) {
        send(RunEvent.of(EventType.CHECKPOINTED, run, attempt, worker, null)
                .withEpoch(phase, epoch, 0, Map.of(RunEvent.CHECKPOINT, location)));
    }

    /**
     * The attempt stopped gracefully (SIGTERM) after {@code step} of {@code steps} steps of
     * {@code epoch}; its exact state is durable at {@code location}, and the run resumes elsewhere.
     */
    void stopped(Phase phase, int epoch, int epochs, int step, int steps, String location, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(RunEvent.CHECKPOINT, location);
        m.put("step", step);
        m.put("steps", steps);
        send(RunEvent.of(EventType.STOPPED, run, attempt, worker, reason).withEpoch(phase, epoch, epochs, m)
                .withPosition(RunPosition.of(location, steps)));
    }

    /** Sends what is queued. */
    void flush() {
        producer.flush();
    }

    /** An attempt failed and another follows. */
    void retrying(String reason) {
        send(RunEvent.failed(run, attempt, worker, reason, true));
    }

    private void send(RunEvent e) {
        producer.send(Topics.EVENTS.record(e.runId(), e));
    }
}
