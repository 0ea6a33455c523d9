package org.kdml.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.kdml.core.data.DiskImages;
import org.kdml.core.train.Checkpointer;
import org.kdml.core.train.EpochRecord;
import org.kdml.core.train.RunResult;
import org.kdml.core.train.RunTrainer;
import org.kdml.core.train.TrainingListener;
import org.kdml.core.train.TrainingState;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.CorruptCheckpointException;
import org.kdml.core.data.DataCache;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.ServiceLoop;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * A trainer worker: one member of the consumer group {@value #GROUP} on {@code kdml.runs}.
 *
 * <p>It takes one run at a time. While the run trains on a background thread, the consumer's
 * partitions stay paused and the loop keeps polling, so that a run of hours never exceeds the
 * poll interval and never triggers a rebalance. The run checkpoints to S3 every
 * {@code checkpointEvery} epochs; a redelivered run resumes from its newest checkpoint whose
 * checksums verify. Completion is durable before the offset moves: the final model and its
 * manifest are in S3, then the {@code completed} event and the offset commit go out in one Kafka
 * transaction. A run already completed (a duplicate delivery) is acknowledged without a second
 * completion. A failed attempt is retried with backoff up to {@code maxAttempts}, then parked as
 * {@code failed} without blocking the partition.
 */
public final class TrainerWorker extends ServiceLoop implements AutoCloseable {

    /** The workers' consumer group. */
    public static final String GROUP = "kdml-workers";

    /**
     * Options of a worker.
     *
     * @param checkpointEvery epochs between checkpoints (0 = only none)
     * @param maxAttempts attempts of a failing run before it is parked as failed
     * @param retryBackoff wait before the second attempt (doubles each time)
     * @param s3Patience how long S3 calls are retried before the attempt fails
     */
    public record Options(int checkpointEvery, int maxAttempts, Duration retryBackoff, Duration s3Patience) {
        /** Validates. */
        public Options {
            if (checkpointEvery < 0) {
                throw new IllegalArgumentException("checkpointEvery: must be >= 0, got " + checkpointEvery);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: must be >= 1, got " + maxAttempts);
            }
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
    private final AtomicLong completed = new AtomicLong();
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

    /** @return this worker's name */
    public String id() {
        return id;
    }

    /** The run in progress. */
    private record Current(ConsumerRecord<String, byte[]> record, RunMessage message, int attempt,
            Future<Outcome> future) {
    }

    /** How an attempt ended. */
    private record Outcome(boolean alreadyCompleted, String finalPrefix, Map<String, Object> timings) {
    }

    @Override
    protected void loop() {
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(config.bootstrap(), GROUP, 1, 300_000);
                KafkaProducer<String, String> events = Clients.producer(config.bootstrap(), null);
                KafkaProducer<String, String> tx = Clients.producer(config.bootstrap(), "kdml-worker-" + id);
                CheckpointStore store = new CheckpointStore(config, options.s3Patience())) {
            tx.initTransactions();
            store.ensureBucket();
            consumer.subscribe(List.of(Topics.RUNS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    Current c = current;
                    if (c != null && parts.contains(new TopicPartition(c.record.topic(), c.record.partition()))) {
                        // Another member gets this run; it resumes from the last checkpoint.
                        cancel.set(true);
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    if (current != null) {
                        consumer.pause(parts);
                    }
                }
            });
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, byte[]> r : records) {
                    // max.poll.records = 1: at most one.
                    consumer.pause(consumer.assignment());
                    Current c = current;
                    if (c != null && c.message != null && r.key() != null && r.key().equals(c.message.runId())) {
                        // Redelivered to us while we still train it (the loop restarted): keep training.
                        current = new Current(r, c.message, c.attempt, c.future);
                    } else {
                        current = begin(r, events, store);
                    }
                }
                Current c = current;
                if (c != null && c.future.isDone()) {
                    current = null;
                    finish(c, consumer, events, tx);
                    cancel.set(false);
                    consumer.resume(consumer.assignment());
                }
            }
            Current c = current;
            if (c != null) {
                cancel.set(true);
                try {
                    c.future.get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    // Stopping: the run is redelivered and resumes from its checkpoint.
                }
            }
        } catch (Exception e) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e);
        }
    }

    private Current begin(ConsumerRecord<String, byte[]> r, KafkaProducer<String, String> events,
            CheckpointStore store) {
        RunMessage m;
        RunSpec parsed;
        try {
            m = Specs.json().readValue(r.value(), RunMessage.class);
            parsed = m.run();
        } catch (Exception e) {
            // Not a run we can train: report it and move on (the future fails, finish() parks it).
            return new Current(r, null, 0, java.util.concurrent.CompletableFuture.failedFuture(e));
        }
        cancel.set(false);
        RunMessage msg = m;
        int attempt;
        try {
            String prefix = CheckpointStore.runPrefix(m.experiment(), m.runId());
            byte[] a = store.getBytes(prefix + "attempts.json");
            attempt = (a == null ? 0 : Specs.json().readTree(a).path("attempts").asInt(0)) + 1;
            store.putBytes(prefix + "attempts.json",
                    Clients.json(Map.of("attempts", attempt, "worker", id)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            return new Current(r, m, 0, java.util.concurrent.CompletableFuture.failedFuture(e));
        }
        return new Current(r, msg, attempt, executor.submit(() -> train(msg, parsed, attempt, events, store)));
    }

    /** Trains one attempt of a run; runs on the training thread. */
    private Outcome train(RunMessage m, RunSpec run, int attempt, KafkaProducer<String, String> events,
            CheckpointStore store)
            throws Exception {
        String prefix = CheckpointStore.runPrefix(m.experiment(), m.runId());
        String finalPrefix = prefix + "final/";
        if (store.exists(prefix + "completed.json")) {
            return new Outcome(true, finalPrefix, Map.of());
        }
        if (store.exists(finalPrefix + Manifest.FILE)) {
            try {
                Path verify = Files.createTempDirectory(config.work(), "verify-");
                try {
                    store.get(finalPrefix, verify);
                } finally {
                    TrainingState.deleteTree(verify);
                }
                return new Outcome(false, finalPrefix, Map.of());
            } catch (CorruptCheckpointException e) {
                emit(events, RunEvent.of(RunEvent.STARTED, m, attempt, id, "final checkpoint refused, retraining: "
                        + e.getMessage()));
            }
        }
        long t0 = System.nanoTime();
        Files.createDirectories(config.work());
        Path local = Files.createTempDirectory(config.work(), m.runId() + "-");
        S3Checkpoints checkpoints = new S3Checkpoints(m, run, attempt, prefix, store, events, local);
        try {
            Path resume = checkpoints.resume();
            emit(events, RunEvent.of(RunEvent.STARTED, m, attempt, id,
                    resume == null ? null : "resuming from " + checkpoints.resumedFrom));
            long d0 = System.nanoTime();
            DiskImages images = data.get(run.spec().dataset(), run.spec().task());
            double dataSeconds = (System.nanoTime() - d0) / 1e9;
            Path out = local.resolve("final");
            RunResult trained = RunTrainer.train(run, images, out, new Progress(m, run.spec().training(), attempt, events), checkpoints,
                    false, attempt);
            checkpoints.awaitPending();
            Files.deleteIfExists(out.resolve("hardest.png"));
            long f0 = System.nanoTime();
            store.put(finalPrefix, out, new Manifest(m.runId(), m.experiment(), "final", "final", 0, attempt, null,
                    CheckpointStore.provenance(trained.provenance()), 0));
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("attemptSeconds", (System.nanoTime() - t0) / 1e9);
            timings.put("trainSeconds", trained.trainSeconds() - checkpoints.waitSeconds);
            timings.put("checkpointWaitSeconds", checkpoints.waitSeconds);
            timings.put("checkpointUploadSeconds", checkpoints.uploadSeconds);
            timings.put("checkpoints", checkpoints.uploads);
            timings.put("finalUploadSeconds", (System.nanoTime() - f0) / 1e9);
            timings.put("dataOpenSeconds", dataSeconds);
            return new Outcome(false, finalPrefix, timings);
        } finally {
            checkpoints.shutdown();
            TrainingState.deleteTree(local);
        }
    }

    private void finish(Current c, KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, String> events,
            KafkaProducer<String, String> tx) throws Exception {
        TopicPartition tp = new TopicPartition(c.record.topic(), c.record.partition());
        Map<TopicPartition, OffsetAndMetadata> next = Map.of(tp, new OffsetAndMetadata(c.record.offset() + 1));
        Outcome outcome;
        try {
            outcome = c.future.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
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
                tx.beginTransaction();
                tx.send(new ProducerRecord<>(Topics.DLQ, c.record.key(),
                        Clients.json(Clients.deadLetter(c.record, "run", reason, "trainer-worker"))));
                tx.sendOffsetsToTransaction(next, consumer.groupMetadata());
                Clients.commit(tx);
                return;
            }
            boolean last = c.attempt >= options.maxAttempts();
            RunEvent failed = RunEvent.of(RunEvent.FAILED, c.message, c.attempt, id,
                    (last ? "attempt " + c.attempt + " of " + options.maxAttempts() + ", giving up: "
                            : "attempt " + c.attempt + " of " + options.maxAttempts() + ", retrying: ") + reason);
            if (last) {
                tx.beginTransaction();
                tx.send(new ProducerRecord<>(Topics.EVENTS, c.message.runId(), Clients.json(failed)));
                tx.sendOffsetsToTransaction(next, consumer.groupMetadata());
                Clients.commit(tx);
            } else {
                emit(events, failed);
                Clients.sleep(options.retryBackoff().toMillis() * (1L << Math.max(0, Math.min(6, c.attempt - 1))));
                seekIfAssigned(consumer, tp, c.record.offset());
            }
            return;
        }
        RunMessage m = c.message;
        // If this fails the outcome may be unknown: the loop restarts from the broker's committed
        // offsets. Not committed → the run is delivered again and, its final checkpoint being in S3,
        // completes without training; committed → it is not delivered again. Never both.
        tx.beginTransaction();
        if (!outcome.alreadyCompleted) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("checkpoint", config.bucket() + "/" + outcome.finalPrefix);
            info.putAll(outcome.timings);
            RunEvent done = RunEvent.of(RunEvent.COMPLETED, m, c.attempt, id, null).withEpoch(null, 0, 0, info);
            tx.send(new ProducerRecord<>(Topics.EVENTS, m.runId(), Clients.json(done)));
        }
        tx.sendOffsetsToTransaction(next, consumer.groupMetadata());
        Clients.commit(tx);
        if (!outcome.alreadyCompleted) {
            completed.incrementAndGet();
            try (CheckpointStore store = new CheckpointStore(config, options.s3Patience())) {
                store.putBytes(CheckpointStore.runPrefix(m.experiment(), m.runId()) + "completed.json",
                        Clients.json(Map.of("attempt", c.attempt, "worker", id))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    /** Rewinds to {@code offset} when this member still owns {@code tp}; otherwise its new owner redelivers. */
    private static void seekIfAssigned(KafkaConsumer<String, byte[]> consumer, TopicPartition tp, long offset) {
        if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
        }
    }

    private static void emit(KafkaProducer<String, String> events, RunEvent e) {
        // Progress is best effort and asynchronous: training never waits on it.
        events.send(new ProducerRecord<>(Topics.EVENTS, e.runId(), Clients.json(e)));
    }

    /** Epoch events; stops training between steps when the run is cancelled. */
    private final class Progress implements TrainingListener {
        private final RunMessage m;
        private final org.kdml.spec.TrainingSpec training;
        private final int attempt;
        private final KafkaProducer<String, String> events;

        Progress(RunMessage m, org.kdml.spec.TrainingSpec training, int attempt,
                KafkaProducer<String, String> events) {
            this.m = m;
            this.training = training;
            this.attempt = attempt;
            this.events = events;
        }

        @Override
        public void onStep(String runId, Phase phase, int epoch, int epochs, int step, int steps,
                Map<String, Double> metrics) {
            if (cancel.get() || !running.get()) {
                throw new CancellationException("run " + runId + " cancelled (partition revoked or worker stopping)");
            }
        }

        @Override
        public void onEpoch(String runId, EpochRecord record) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("train", record.train());
            metrics.put("validation", record.validation());
            metrics.put("seconds", record.seconds());
            int epochs = record.phase() == Phase.TEACHER ? training.teacherEpochs() : training.epochs();
            emit(events, RunEvent.of(RunEvent.EPOCH, m, attempt, id, null)
                    .withEpoch(record.phase().key(), record.epoch(), epochs, metrics));
        }
    }

    /** Checkpoints of one run in S3: newest verified state to resume from, two kept. */
    private final class S3Checkpoints implements Checkpointer {
        private final RunMessage m;
        private final RunSpec run;
        private final int attempt;
        private final String prefix;
        private final CheckpointStore store;
        private final KafkaProducer<String, String> events;
        private final Path local;
        private String resumedFrom;
        private Path resumed;
        private final ExecutorService uploader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kdml-upload");
            t.setDaemon(true);
            return t;
        });
        private volatile java.util.concurrent.Future<?> pending;
        private volatile double uploadSeconds;
        private volatile int uploads;
        private double waitSeconds;

        S3Checkpoints(RunMessage m, RunSpec run, int attempt, String prefix, CheckpointStore store,
                KafkaProducer<String, String> events, Path local) {
            this.m = m;
            this.run = run;
            this.attempt = attempt;
            this.prefix = prefix;
            this.store = store;
            this.events = events;
            this.local = local;
        }

        @Override
        public int every() {
            return options.checkpointEvery();
        }

        @Override
        public Path resume() throws java.io.IOException {
            if (resumed != null) {
                return resumed;
            }
            try {
                List<String> list = new ArrayList<>(store.epochCheckpoints(prefix));
                for (int i = list.size() - 1; i >= 0; i--) {
                    Path dir = local.resolve("resume-" + i);
                    try {
                        store.get(list.get(i), dir);
                        resumedFrom = list.get(i);
                        resumed = dir;
                        return dir;
                    } catch (CorruptCheckpointException e) {
                        emit(events, RunEvent.of(RunEvent.STARTED, m, attempt, id, "checkpoint refused: "
                                + e.getMessage() + (i > 0 ? "; falling back to " + list.get(i - 1)
                                        : "; starting afresh")));
                        TrainingState.deleteTree(dir);
                    }
                }
                return null;
            } catch (java.io.IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new java.io.IOException("reading checkpoints of " + prefix + ": " + e.getMessage(), e);
            }
        }

        /**
         * Copies the state aside and uploads it on a background thread, so that the next epoch
         * trains while this one is stored; at most one upload is in flight, and a failed upload
         * fails the attempt at the next save or at the end.
         */
        @Override
        public void save(Path dir, Phase phase, int epoch) throws java.io.IOException {
            awaitPending();
            Path copy = local.resolve(String.format("upload-%s-%04d", phase, epoch));
            Files.createDirectories(copy);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            pending = uploader.submit(() -> {
                long u0 = System.nanoTime();
                upload(copy, phase.key(), epoch);
                uploadSeconds += (System.nanoTime() - u0) / 1e9;
                uploads++;
                TrainingState.deleteTree(copy);
                return null;
            });
        }

        /** Waits for the upload in flight, if any; its failure becomes this attempt's failure. */
        void awaitPending() throws java.io.IOException {
            java.util.concurrent.Future<?> p = pending;
            if (p == null) {
                return;
            }
            long w0 = System.nanoTime();
            try {
                p.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.IOException("interrupted while uploading a checkpoint", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof java.io.IOException io ? io : new java.io.IOException(c.getMessage(), c);
            } finally {
                waitSeconds += (System.nanoTime() - w0) / 1e9;
                pending = null;
            }
        }

        void shutdown() {
            uploader.shutdownNow();
        }

        private void upload(Path dir, String phase, int epoch) throws java.io.IOException {
            String name = String.format("epoch-%s-%04d/", phase, epoch);
            try {
                JsonNode state = Specs.json().readTree(dir.resolve(TrainingState.FILE).toFile());
                Map<String, Object> prov = new LinkedHashMap<>();
                prov.put("specHash", m.specHash());
                prov.put("seed", m.seed());
                prov.put("trainedImages", state.path("trainedImages").asLong());
                prov.putAll(org.kdml.pipeline.CheckpointStore.provenance(
                        org.kdml.core.train.Provenance.current(m.runId(), m.specHash(), m.seed(),
                                data.get(run.spec().dataset(), run.spec().task()), attempt)));
                store.put(prefix + name, dir, new Manifest(m.runId(), m.experiment(), "epoch", phase, epoch, attempt,
                        null, prov, 0));
                // Keep the newest two, so that a corrupt newest one still has a fallback.
                List<String> all = store.epochCheckpoints(prefix);
                for (int i = 0; i < all.size() - 2; i++) {
                    store.delete(all.get(i));
                }
            } catch (java.io.IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new java.io.IOException("checkpoint " + prefix + name + ": " + e.getMessage(), e);
            }
            emit(events, RunEvent.of(RunEvent.CHECKPOINTED, m, attempt, id, null)
                    .withEpoch(phase, epoch, 0, Map.of("checkpoint", config.bucket() + "/" + prefix + name)));
        }
    }


    /** Stops after the current step; the run in progress is redelivered and resumes from its checkpoint. */
    @Override
    public void close() throws InterruptedException {
        cancel.set(true);
        stopLoop(90_000);
        executor.shutdownNow();
        data.close();
    }
}
