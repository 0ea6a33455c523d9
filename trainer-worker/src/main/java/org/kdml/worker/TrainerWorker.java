package org.kdml.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.kdml.core.data.DataCache;
import org.kdml.results.Provenance;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.ServiceLoop;
import org.kdml.pipeline.Topics;
import org.kdml.spec.RunSpec;
import org.kdml.spec.TeacherKey;

/**
 * A trainer worker: one member of the consumer group {@value #GROUP} on {@code kdml.runs}.
 *
 * <p>It takes one run at a time. While the run trains on a background thread ({@link Attempt}),
 * the consumer's partitions stay paused and the loop keeps polling, so that a run of hours never
 * exceeds the poll interval and never triggers a rebalance. The run checkpoints to S3 every
 * {@code checkpointEvery} epochs ({@link S3Checkpoints}); a redelivered run resumes from its
 * newest checkpoint whose checksums verify. Completion is durable before the offset moves: the
 * final model and its manifest are in S3, then the {@code completed} event and the offset commit
 * go out in one Kafka transaction ({@link Completion}). A run already completed (a duplicate
 * delivery) is acknowledged without a second completion. A failed attempt is retried with backoff
 * up to {@code maxAttempts}, then parked as {@code failed} without blocking the partition.
 *
 * <p>{@link #close} (SIGTERM, an autoscaler's scale-in) stops gracefully: the run in progress
 * finishes its step, saves a checkpoint of exactly where it is (mid-epoch: the step, and the
 * epoch's loss sums; batch order and augmentation follow from the seed, the epoch and the step),
 * and the worker publishes {@code stopped}, leaves the group and returns, all within the grace
 * period. The run's offset stays uncommitted, so the next owner resumes it from that state with no
 * step trained twice. Past the grace period the run is cancelled as if revoked.
 */
public final class TrainerWorker extends ServiceLoop implements AutoCloseable {

    /** The workers' consumer group. */
    public static final String GROUP = "kdml-workers";

    /** How long the loop is idle before it commits past transaction markers ({@link #commitPastMarkers}). */
    private static final long IDLE_COMMIT_NANOS = 2_000_000_000L;

    /** The default grace period of a graceful stop. */
    public static final Duration GRACE = Duration.ofSeconds(60);

    /** How long one poll of the loop waits for a run message (or for the run in progress to end). */
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * Options of a worker.
     *
     * @param checkpointEvery epochs between checkpoints (0 = none)
     * @param maxAttempts attempts of a failing run before it is parked as failed
     * @param retryBackoff wait before the second attempt (doubles each time)
     * @param s3Patience how long S3 calls are retried before the attempt fails
     * @param grace how long a graceful stop may take: the step in progress, the checkpoint of exactly
     *     there and the {@code stopped} event
     */
    public record Options(int checkpointEvery, int maxAttempts, Duration retryBackoff, Duration s3Patience,
            Duration grace) {
        /** Validates. */
        public Options {
            if (checkpointEvery < 0) {
                throw new IllegalArgumentException("checkpointEvery: must be >= 0, got " + checkpointEvery);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: must be >= 1, got " + maxAttempts);
            }
            if (grace.isNegative() || grace.isZero()) {
                throw new IllegalArgumentException("grace: must be > 0, got " + grace);
            }
        }

        /** With the default grace period, {@link #GRACE}. */
        public Options(int checkpointEvery, int maxAttempts, Duration retryBackoff, Duration s3Patience) {
            this(checkpointEvery, maxAttempts, retryBackoff, s3Patience, GRACE);
        }

        /** Checkpoint every epoch, three attempts, 2 s backoff. */
        public static Options defaults() {
            return new Options(1, 3, Duration.ofSeconds(2), Duration.ofMinutes(5));
        }
    }

    private final PipelineConfig config;
    private final Options options;
    private final String id;
    private final AtomicBoolean cancel = new AtomicBoolean();
    /** Set by {@link #close}: the run in progress stops after its step, with a checkpoint of exactly there. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** Set while the run's partition is being revoked: it stops as on {@link #close}. */
    private final AtomicBoolean revoking = new AtomicBoolean();
    private volatile long stopDeadline;
    private final AtomicLong completed = new AtomicLong();
    /** Partitions of {@code kdml.runs} this worker holds now (written by its loop's rebalance listener). */
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private final DataCache data = new DataCache();
    private final ExecutorService executor;
    /** The run in progress; survives a restart of the consumer loop (e.g. across a broker restart). */
    private volatile Current current;

    /**
     * @param config Kafka, S3 and the scratch folder
     * @param id this worker's name (unique among workers; also its transactional id)
     */
    public TrainerWorker(PipelineConfig config, Options options, String id) {
        super("kdml-worker-" + id);
        this.config = config;
        this.options = options;
        this.id = id;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kdml-train-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the worker on its own thread. */
    public TrainerWorker start() {
        startLoop();
        return this;
    }

    /** @return runs this worker completed */
    public long completed() {
        return completed.get();
    }

    /** @return how many partitions of {@code kdml.runs} this worker holds now */
    public int assignedPartitions() {
        return assigned.size();
    }

    /** @return this worker's name */
    public String id() {
        return id;
    }

    /**
     * The run in progress.
     *
     * @param record its message on {@code kdml.runs}
     * @param message the run, or null when the message is not one
     * @param attempt the attempt's number (0 when it could not be counted)
     * @param counted the attempts that count against the budget, this one included
     * @param future the attempt on the training thread
     */
    private record Current(ConsumerRecord<String, byte[]> record, RunMessage message, int attempt, int counted,
            Future<Attempt.Outcome> future) {
    }

    /**
     * The loop's S3 client, for the endings of runs as for their beginnings (one client: a new one
     * per ending cost about 0.3 s of connection set-up a run). Used on the loop's thread only.
     */
    private CheckpointStore s3;

    @Override
    protected void loop() {
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(config.bootstrap(), GROUP, 1, 300_000);
                KafkaProducer<String, String> events = Clients.producer(config.bootstrap(), null);
                KafkaProducer<String, String> tx = Clients.producer(config.bootstrap(), "kdml-worker-" + id);
                CheckpointStore store = new CheckpointStore(config, options.s3Patience())) {
            s3 = store;
            tx.initTransactions();
            store.ensureBucket();
            consumer.subscribe(List.of(Topics.RUNS.name()), rebalance(consumer, events));
            Completion completion = new Completion(consumer, tx, id, config.bucket());
            long idleCommit = System.nanoTime();
            while (running.get()) {
                // While a run trains its partitions are paused and the poll only keeps the member alive:
                // wait on the run instead, so that its ending is handled the moment it comes.
                Current training = current;
                if (training != null) {
                    awaitQuietly(training.future, POLL);
                }
                ConsumerRecords<String, byte[]> polled = consumer.poll(training != null ? Duration.ZERO : POLL);
                for (ConsumerRecord<String, byte[]> r : polled) {
                    // max.poll.records = 1: at most one.
                    consumer.pause(consumer.assignment());
                    take(r, events, store);
                }
                if (current == null && polled.isEmpty() && System.nanoTime() - idleCommit > IDLE_COMMIT_NANOS) {
                    commitPastMarkers(consumer);
                    idleCommit = System.nanoTime();
                }
                Current c = current;
                if (c != null && c.future.isDone()) {
                    current = null;
                    finish(c, consumer, events, completion);
                    cancel.set(false);
                    consumer.resume(consumer.assignment());
                }
            }
            awaitStop(consumer, events, completion);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * When the run's partition is revoked (a worker joins or leaves: a rebalance), the run stops as
     * on SIGTERM, after its step with a checkpoint of exactly there, before the partition moves on,
     * so that its next owner resumes it with no step redone; past the grace period it is cancelled
     * and resumes from its last checkpoint. New partitions stay paused while a run trains.
     */
    private ConsumerRebalanceListener rebalance(KafkaConsumer<String, byte[]> consumer,
            KafkaProducer<String, String> events) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                assigned.removeAll(parts);
                Current c = current;
                if (c != null && parts.contains(new TopicPartition(c.record.topic(), c.record.partition()))) {
                    stopForRebalance(c, events);
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                assigned.addAll(parts);
                if (current != null) {
                    consumer.pause(parts);
                }
            }
        };
    }

    /** Stops the run whose partition is revoked, within the grace period; it is redelivered to the partition's next owner. */
    private void stopForRebalance(Current c, KafkaProducer<String, String> events) {
        revoking.set(true);
        try {
            Attempt.Outcome outcome = c.future.get(options.grace().toMillis(), TimeUnit.MILLISECONDS);
            current = null;
            if (outcome.stop() != null) {
                stopped(c, outcome.stop(), events, "its partition was reassigned");
            }
            // Otherwise it completed meanwhile: its final checkpoint is in S3, and the next owner
            // commits the completion without training.
        } catch (TimeoutException e) {
            cancel.set(true);
        } catch (ExecutionException e) {
            // It failed meanwhile: the next owner retries it.
            current = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel.set(true);
        } finally {
            revoking.set(false);
        }
    }

    private void take(ConsumerRecord<String, byte[]> r, KafkaProducer<String, String> events, CheckpointStore store) {
        Current c = current;
        if (c != null && c.message != null && r.key() != null && r.key().equals(c.message.runId())) {
            // Redelivered to us while we still train it (the loop restarted): keep training.
            current = new Current(r, c.message, c.attempt, c.counted, c.future);
        } else {
            current = begin(r, events, store);
        }
    }

    /**
     * Stopping: the run in progress stops after its step with a checkpoint of exactly there (or
     * completes, if that was its last step), until the grace period's end; past it, it is cancelled
     * and resumes from its last checkpoint. Either way it is redelivered to the group's next owner.
     */
    private void awaitStop(KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, String> events,
            Completion completion) throws Exception {
        Current c = current;
        if (c == null) {
            return;
        }
        try {
            c.future.get(Math.max(1, stopDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            System.err.println("worker " + id + ": run " + c.record.key() + " did not stop within the grace period "
                    + options.grace().toSeconds() + " s; cancelled, it resumes from its last checkpoint");
            cancel.set(true);
            try {
                c.future.get(30, TimeUnit.SECONDS);
            } catch (Exception late) {
                // The run is redelivered and resumes from its last checkpoint.
            }
            return;
        } catch (ExecutionException e) {
            // finish() below reports it.
        }
        current = null;
        finish(c, consumer, events, completion);
    }

    private Current begin(ConsumerRecord<String, byte[]> r, KafkaProducer<String, String> events,
            CheckpointStore store) {
        RunMessage m;
        RunSpec run;
        try {
            m = Topics.RUNS.parse(r.value());
            run = m.run();
        } catch (Exception e) {
            // Not a run we can train: report it and move on (the future fails, finish() parks it).
            return new Current(r, null, 0, 0, CompletableFuture.failedFuture(e));
        }
        cancel.set(false);
        Attempts count;
        try {
            count = Attempts.next(store, RunKeys.of(m), id);
        } catch (Exception e) {
            return new Current(r, m, 0, 0, CompletableFuture.failedFuture(e));
        }
        int attempt = count.attempts();
        Attempt a = new Attempt(m, run, attempt, options.checkpointEvery(), config.work(), store,
                new Events(events, m, attempt, id), data, cancel::get, () -> stopping.get() || revoking.get());
        return new Current(r, m, attempt, count.counted(), executor.submit(a));
    }

    private void finish(Current c, KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, String> events,
            Completion completion) throws Exception {
        if (!consumer.assignment().contains(new TopicPartition(c.record.topic(), c.record.partition()))) {
            // The partition went to another member (a rebalance, or this loop restarted with a new
            // consumer) while the attempt ran. The broker checks only our generation, not that we
            // own the partition, so committing here would let the run complete twice: its new
            // owner redelivers it and, the final checkpoint being in S3, completes it once.
            System.err.println("worker " + id + ": run " + c.record.key() + " was reassigned while its attempt "
                    + c.attempt + " ran; its new owner completes it");
            return;
        }
        Attempt.Outcome outcome;
        try {
            outcome = c.future.get();
        } catch (ExecutionException e) {
            failed(c, e.getCause(), consumer, events, completion);
            return;
        }
        if (outcome.waiting() != null) {
            // Not an attempt that counts: the run is republished when its teacher lands.
            Attempts.stopped(s3, RunKeys.of(c.message));
            completion.waiting(c.record, c.message, c.attempt, outcome.waiting());
            System.err.println("worker " + id + ": run " + c.record.key() + " " + outcome.waiting());
            return;
        }
        if (outcome.stop() != null) {
            stopped(c, outcome.stop(), events, "the worker is stopping");
            seekIfAssigned(consumer, new TopicPartition(c.record.topic(), c.record.partition()), c.record.offset());
            return;
        }
        completion.completed(c.record, c.message, c.attempt, outcome);
        if (!outcome.alreadyCompleted()) {
            completed.incrementAndGet();
            new Attempts.Completed(c.attempt, id).write(s3, RunKeys.of(c.message));
        }
    }

    /** An attempt failed: redelivered (cancelled), retried after a backoff, or parked as failed. */
    private void failed(Current c, Throwable cause, KafkaConsumer<String, byte[]> consumer,
            KafkaProducer<String, String> events, Completion completion) {
        TopicPartition tp = new TopicPartition(c.record.topic(), c.record.partition());
        if (cause instanceof CancellationException || cancel.get()) {
            // Revoked or stopping: leave the offset; whoever owns the partition resumes the run.
            seekIfAssigned(consumer, tp, c.record.offset());
            return;
        }
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        System.err.println("worker " + id + ": run " + c.record.key() + " attempt " + c.attempt + " failed: " + reason);
        if (Boolean.getBoolean("kdml.debug")) {
            cause.printStackTrace();
        }
        if (c.message == null) {
            completion.rejected(c.record, reason);
            return;
        }
        String of = "attempt " + c.attempt + (c.counted < c.attempt ? " (" + c.counted + " counted, "
                + (c.attempt - c.counted) + " graceful stops not)" : "") + " of " + options.maxAttempts();
        if (cause instanceof Attempt.TeacherUnavailable) {
            completion.gaveUp(c.record, c.message, c.attempt, "its frozen teacher will not come: " + cause.getMessage());
        } else if (c.counted >= options.maxAttempts()) {
            completion.gaveUp(c.record, c.message, c.attempt, of + ", giving up: " + reason);
            releaseTeacherWaiters(c, events, reason);
        } else {
            new Events(events, c.message, c.attempt, id).retrying(of + ", retrying: " + reason);
            Clients.sleep(options.retryBackoff().toMillis() * (1L << Math.max(0, Math.min(6, c.attempt - 1))));
            seekIfAssigned(consumer, tp, c.record.offset());
        }
    }

    /**
     * The run parked as failed owned its frozen teacher and did not put it in S3: the runs waiting
     * for that teacher are told (they fail with this reason) and republished.
     */
    private void releaseTeacherWaiters(Current c, KafkaProducer<String, String> events, String reason) {
        try {
            RunSpec run = c.message.run();
            String code = Provenance.currentCodeVersion();
            TeacherKey key = TeacherKey.of(run, code);
            if (key != null && run.runId().equals(TeacherKey.owner(run, code))
                    && !S3Teachers.has(s3, key.value())) {
                S3Teachers.failed(s3, events, key.value(), run.runId(), reason);
            }
        } catch (Exception e) {
            System.err.println("worker " + id + ": releasing the runs waiting for the teacher of " + c.record.key()
                    + ": " + e);
        }
    }

    /** A graceful stop: counted as a stop (not against the budget), then {@code stopped} goes out. */
    private void stopped(Current c, Attempt.Stop stop, KafkaProducer<String, String> events, String why) {
        try {
            Attempts.stopped(s3, RunKeys.of(c.message));
        } catch (Exception e) {
            System.err.println("worker " + id + ": counting the stop of run " + c.record.key() + ": " + e);
        }
        Events ev = new Events(events, c.message, c.attempt, id);
        ev.stopped(stop.stopped().phase(), stop.stopped().epoch(), stop.epochs(), stop.stopped().step(),
                stop.stopped().steps(), stop.checkpoint(), stop.stopped().getMessage() + " (" + why + ")");
        ev.flush();
        System.err.println("worker " + id + ": " + stop.stopped().getMessage() + "; state at " + stop.checkpoint());
    }

    /**
     * Idle, with every record before its position handled: commits the positions that stand past
     * the committed offsets. The orchestrator publishes runs in transactions, and each leaves a
     * commit marker after its last run; a worker commits the offset after the run it completed,
     * which is the marker's, so without this the group would show a lag of one on every such
     * partition for good, and an autoscaler on that lag (KEDA) would never scale the workers in.
     */
    private static void commitPastMarkers(KafkaConsumer<String, byte[]> consumer) {
        Set<TopicPartition> parts = consumer.assignment();
        if (parts.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(parts, Duration.ofSeconds(10));
        Map<TopicPartition, OffsetAndMetadata> ahead = new HashMap<>();
        for (TopicPartition tp : parts) {
            long position = consumer.position(tp, Duration.ofSeconds(10));
            OffsetAndMetadata c = committed.get(tp);
            if (position > (c == null ? 0 : c.offset())) {
                ahead.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (!ahead.isEmpty()) {
            consumer.commitSync(ahead, Duration.ofSeconds(10));
        }
    }

    /** Waits up to {@code timeout} for {@code future} to be done, whatever its outcome (the loop reads it). */
    private static void awaitQuietly(Future<?> future, Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | CancellationException e) {
            // Not done yet, or done with a failure that finish() reports.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rewinds to {@code offset} when this member still owns {@code tp}; otherwise its new owner redelivers. */
    private static void seekIfAssigned(KafkaConsumer<String, byte[]> consumer, TopicPartition tp, long offset) {
        if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
        }
    }

    /**
     * Stops gracefully, within the grace period: the run in progress stops after its step with a
     * checkpoint of exactly there, {@code stopped} goes out, and the worker leaves its group; the
     * run is redelivered and resumes from that checkpoint.
     */
    @Override
    public void close() throws InterruptedException {
        stopDeadline = System.nanoTime() + options.grace().toNanos();
        stopping.set(true);
        stopLoop(options.grace().toMillis() + 45_000);
        executor.shutdownNow();
        data.close();
    }
}
