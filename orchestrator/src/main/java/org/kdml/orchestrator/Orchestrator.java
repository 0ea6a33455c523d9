package org.kdml.orchestrator;

import java.nio.charset.CharacterCodingException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.DeadLetter;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.ServiceLoop;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;
import org.kdml.pipeline.Transactions;
import org.kdml.spec.ArchitectureShapes;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SpecCheck;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;

/**
 * Spec intake: reads {@code kdml.specs}, validates each spec, expands it (grid points of listed
 * hyper-parameters × variants × seeds) into runs and publishes
 * every run not published before to {@code kdml.runs} with a {@code queued} event, in one Kafka
 * transaction with the intake offset. An invalid spec goes to {@code kdml.dlq} with a reason that
 * names the field; the loop keeps running whatever arrives.
 *
 * <p>What "valid" means beyond the spec's own records is the {@link SpecCheck} it is given: by
 * default the structural {@link ArchitectureShapes#check}, which needs neither PyTorch nor the data
 * (this module does not depend on the engine).
 */
public final class Orchestrator extends ServiceLoop implements AutoCloseable {

    /** The intake's consumer group and transactional id. */
    public static final String GROUP = "kdml-orchestrator";

    private final String bootstrap;
    private final SpecCheck check;
    private final Set<String> known = new HashSet<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    /** Specs accepted and rejected in the transaction in progress (the loop's thread only). */
    private int batchAccepted;
    private int batchRejected;
    /** Partitions of {@code kdml.runs} (the loop's thread only). */
    private int runPartitions = 1;

    /** An intake with the structural check ({@link ArchitectureShapes#check}). */
    public Orchestrator(String bootstrap) {
        this(bootstrap, ArchitectureShapes::check);
    }

    /**
     * @param bootstrap Kafka bootstrap servers
     * @param check what a spec must pass to be accepted (on one grid point: the points differ only
     *     in training hyper-parameters)
     */
    public Orchestrator(String bootstrap, SpecCheck check) {
        super("kdml-orchestrator");
        this.bootstrap = bootstrap;
        this.check = check;
    }

    /** Starts the intake loop on its own thread. */
    public Orchestrator start() {
        startLoop();
        return this;
    }

    /** @return specs accepted so far (in committed intake transactions) */
    public long accepted() {
        return accepted.get();
    }

    /**
     * @return how often the intake loop failed for a reason other than Kafka being unavailable and
     *     was restarted (a crash of the intake)
     */
    public long restarts() {
        return restarts.get();
    }

    /** @return specs rejected so far (in committed intake transactions) */
    public long rejected() {
        return rejected.get();
    }

    @Override
    protected void failed(RuntimeException e) {
        // Kafka being away (a broker restart) is recovered from, not a crash of the intake.
        if (!(e instanceof KafkaException) && !(e.getCause() instanceof KafkaException)) {
            restarts.incrementAndGet();
        }
    }

    @Override
    protected void loop() {
        // Run ids already published: a re-published spec adds nothing.
        known.clear();
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(bootstrap, Topics.RUNS, Duration.ofMinutes(2))) {
            known.add(r.key());
        }
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(bootstrap, GROUP, 50, 300_000);
                KafkaProducer<String, String> producer = Clients.producer(bootstrap, GROUP)) {
            producer.initTransactions();
            runPartitions = producer.partitionsFor(Topics.RUNS.name()).size();
            consumer.subscribe(List.of(Topics.SPECS.name()));
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                Set<String> added = new HashSet<>();
                batchAccepted = 0;
                batchRejected = 0;
                Transactions.step(producer, consumer, records, r -> intake(r, producer, added));
                // Counted once committed: a transaction that fails is read again and counted then.
                known.addAll(added);
                accepted.addAndGet(batchAccepted);
                rejected.addAndGet(batchRejected);
            }
        }
    }

    private void intake(ConsumerRecord<String, byte[]> r, KafkaProducer<String, String> producer, Set<String> added) {
        String source = Topics.SPECS + "@" + r.partition() + ":" + r.offset();
        List<ExperimentSpec> points;
        try {
            if (r.value() == null || r.value().length == 0) {
                throw new SpecException("spec", "empty message");
            }
            if (r.value().length > 1_048_576) {
                throw new SpecException("spec", r.value().length + " bytes; a spec may have at most 1 MiB");
            }
            String text = Topic.utf8(r.value());
            points = Specs.grid(text, source);
            // Grid points differ only in training hyper-parameters: one check covers them all.
            check.check(points.get(0));
        } catch (SpecException e) {
            reject(producer, r, e.field(), e.getMessage());
            return;
        } catch (CharacterCodingException e) {
            reject(producer, r, "spec", source + ": not UTF-8 text (" + e.getMessage() + ")");
            return;
        } catch (RuntimeException | StackOverflowError e) {
            reject(producer, r, "spec", source + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        for (ExperimentSpec spec : points) {
            List<RunSpec> runs = Specs.runs(spec);
            for (int i = 0; i < runs.size(); i++) {
                RunSpec run = runs.get(i);
                if (known.contains(run.runId()) || !added.add(run.runId())) {
                    continue;
                }
                RunMessage m = RunMessage.of(run, i + 1, runs.size());
                // Runs go round the partitions in order, not by the hash of their id: a worker owns
                // whole partitions, and hashing 12 ids onto 6 partitions can give one of 2 workers
                // twice the other's runs (measured: 1.6x, not 2x, the grid throughput of one).
                int partition = (known.size() + added.size() - 1) % runPartitions;
                producer.send(Topics.RUNS.record(partition, run.runId(), m));
                producer.send(Topics.EVENTS.record(run.runId(), RunEvent.of(EventType.QUEUED, m, 0, null, null)));
            }
        }
        batchAccepted++;
    }

    private void reject(KafkaProducer<String, String> producer, ConsumerRecord<String, byte[]> r, String field,
            String reason) {
        batchRejected++;
        producer.send(Topics.DLQ.record(r.key(), DeadLetter.of(r, field, reason, "orchestrator")));
    }


    /** Stops the loop and waits for it (at most 30 s). */
    @Override
    public void close() throws InterruptedException {
        stopLoop(30_000);
    }
}
