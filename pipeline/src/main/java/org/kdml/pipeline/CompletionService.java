package org.kdml.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.kdml.results.ResultPayload;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * A service that reacts to {@code completed} events: downloads the run's final checkpoint from S3
 * (checksums verified), computes something from it and publishes one {@link ResultMessage} of its
 * kind per run to {@code kdml.results}, in one Kafka transaction with its consumer offset. It
 * remembers (from {@code kdml.results} itself) which runs already have its result, so a duplicate
 * completion yields no second result. A run it cannot process goes to {@code kdml.dlq} with the reason.
 */
public abstract class CompletionService extends ServiceLoop implements AutoCloseable {

    private final PipelineConfig config;
    private final String group;
    private final ResultKind kind;
    private final AtomicLong published = new AtomicLong();
    private final Set<String> done = new HashSet<>();

    /**
     * @param group consumer group and transactional id
     * @param kind the {@link ResultMessage#kind()} it publishes
     */
    protected CompletionService(PipelineConfig config, String group, ResultKind kind) {
        super(group);
        this.config = config;
        this.group = group;
        this.kind = kind;
    }

    /**
     * Computes the result of one completed run.
     *
     * @param event the completion
     * @param spec the run's experiment spec (its {@code final/spec.json})
     * @param runDir the final checkpoint, downloaded and verified
     * @param store the checkpoint store (to put images next to the checkpoints)
     * @param keys the run's S3 keys
     * @return the payload of the result message, or null when this run has none of this kind
     */
    protected abstract ResultPayload process(RunEvent event, ExperimentSpec spec, Path runDir, CheckpointStore store,
            RunKeys keys) throws Exception;

    /**
     * Results of other kinds the service also publishes for the run, in the same transaction, after
     * {@link #process} (the evaluator's {@code export}). Called with the same run folder.
     *
     * @return the payload of each further kind (none by default)
     */
    protected Map<ResultKind, ResultPayload> alsoPublish(RunEvent event, ExperimentSpec spec, Path runDir,
            CheckpointStore store, RunKeys keys) throws Exception {
        return Map.of();
    }

    /** @return the service's name in dead letters */
    protected String name() {
        return group;
    }

    /** Starts on its own thread. */
    public CompletionService start() {
        startLoop();
        return this;
    }

    /** @return results published by this instance */
    public long published() {
        return published.get();
    }

    @Override
    protected void loop() {
        done.clear();
        for (ResultMessage m : Clients.values(config.bootstrap(), Topics.RESULTS, Duration.ofMinutes(2))) {
            if (m.kind() == kind) {
                done.add(m.runId());
            }
        }
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(config.bootstrap(), group, 20, 1_800_000);
                KafkaProducer<String, String> producer = Clients.producer(config.bootstrap(), group);
                CheckpointStore store = new CheckpointStore(config, Duration.ofMinutes(5))) {
            producer.initTransactions();
            store.ensureBucket();
            consumer.subscribe(List.of(Topics.EVENTS.name()));
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                Set<String> added = new HashSet<>();
                Transactions.step(producer, consumer, records, r -> handle(r, producer, store, added));
                done.addAll(added);
                published.addAndGet(added.size());
            }
        } catch (Exception e) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e);
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r, KafkaProducer<String, String> producer,
            CheckpointStore store, Set<String> added) {
        RunEvent event;
        try {
            event = Topics.EVENTS.parse(r.value());
        } catch (IOException e) {
            // The orchestrator's view ignores it too; only its producer could say what it was.
            return;
        }
        if (event.type() != EventType.COMPLETED || done.contains(event.runId())
                || added.contains(event.runId())) {
            return;
        }
        Path dir = null;
        long t0 = System.nanoTime();
        try {
            RunKeys keys = RunKeys.of(event);
            Files.createDirectories(config.work());
            dir = Files.createTempDirectory(config.work(), group + "-");
            Path runDir = dir.resolve("final");
            store.get(keys.finalCheckpoint(), runDir);
            ExperimentSpec spec = Specs.parse(Files.readString(runDir.resolve(RunLayout.SPEC)),
                    keys.finalCheckpoint() + RunLayout.SPEC);
            ResultPayload payload = process(event, spec, runDir, store, keys);
            if (payload == null) {
                // Nothing to publish for this run (an exporter and a spec without export:); its offset commits.
                return;
            }
            ResultMessage m = new ResultMessage(kind, event.runId(), event.experiment(), event.variant(),
                    event.seed(), event.attempt(), payload, System.currentTimeMillis(), (System.nanoTime() - t0) / 1e9);
            Map<ResultKind, ResultPayload> more = alsoPublish(event, spec, runDir, store, keys);
            producer.send(Topics.RESULTS.record(event.runId(), m));
            more.forEach((k, p) -> producer.send(Topics.RESULTS.record(event.runId(), new ResultMessage(k,
                    event.runId(), event.experiment(), event.variant(), event.seed(), event.attempt(), p,
                    System.currentTimeMillis(), (System.nanoTime() - t0) / 1e9))));
            added.add(event.runId());
        } catch (Exception e) {
            producer.send(Topics.DLQ.record(r.key(), DeadLetter.of(r, "runId", name() + " could not process run "
                    + event.runId() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), name())));
        } finally {
            if (dir != null) {
                Scratch.delete(dir);
            }
        }
    }

    /** Stops and waits (at most 60 s). */
    @Override
    public void close() throws InterruptedException {
        stopLoop(60_000);
    }
}
