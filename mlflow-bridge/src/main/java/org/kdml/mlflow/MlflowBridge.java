package org.kdml.mlflow;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.kdml.mlflow.MlflowRecords.KnownRun;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.DeadLetter;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.Retry;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.ServiceLoop;
import org.kdml.pipeline.Topics;
import org.kdml.pipeline.Transactions;

/**
 * Mirrors {@code kdml.events} and {@code kdml.results} into an MLflow tracking server (see
 * {@link Mirror} for what each message becomes and why a message applied twice adds nothing).
 *
 * <p>It reads in a consumer group of its own ({@value #GROUP} by default, {@code read_committed}),
 * so the pipeline never waits for it. A batch's offsets are committed only after every MLflow
 * call for its records succeeded, in one Kafka transaction with the dead letters of the records
 * it refused. While the tracking server is away (unreachable, 5xx, 429) a record is retried with
 * backoff ({@link Retry#withBackoff}) for {@link Settings#retryDeadline()}, then the loop starts
 * again from the committed offsets. A record that cannot be read, names no run on
 * {@code kdml.runs}, or that MLflow refuses (a 4xx: the bridge's request is at fault) is logged
 * and dead-lettered on {@code kdml.dlq}, and the bridge goes on.
 */
public final class MlflowBridge extends ServiceLoop implements AutoCloseable {

    /** The bridge's consumer group and transactional id. */
    public static final String GROUP = "kdml-mlflow-bridge";
    /** The service's name in dead letters and messages. */
    public static final String SERVICE = "mlflow-bridge";

    /**
     * Where the bridge reads and writes.
     *
     * @param bootstrap Kafka
     * @param trackingUri the MLflow tracking server, e.g. {@code http://127.0.0.1:5000}
     * @param bucket the checkpoint bucket, for the {@code s3://} links
     * @param group its consumer group and transactional id
     * @param retryDeadline how long one record is retried while the tracking server is away,
     *     before the loop starts again from the committed offsets
     */
    public record Settings(String bootstrap, URI trackingUri, String bucket, String group, Duration retryDeadline) {

        /** Validates. */
        public Settings {
            if (bootstrap == null || bootstrap.isBlank()) {
                throw new IllegalArgumentException("bootstrap: must not be empty");
            }
            if (trackingUri == null || !trackingUri.toString().matches("https?://.+")) {
                throw new IllegalArgumentException("tracking URI: must be http:// or https://, got " + trackingUri);
            }
            if (group == null || group.isBlank()) {
                throw new IllegalArgumentException("group: must not be empty");
            }
            if (retryDeadline == null || retryDeadline.isNegative() || retryDeadline.isZero()) {
                throw new IllegalArgumentException("retryDeadline: must be positive, got " + retryDeadline);
            }
        }

        /** The defaults: the contract's bucket, group {@value MlflowBridge#GROUP}, retries for 5 minutes. */
        public static Settings of(String bootstrap, URI trackingUri) {
            return new Settings(bootstrap, trackingUri, PipelineConfig.BUCKET, GROUP, Duration.ofMinutes(5));
        }
    }

    private final Settings settings;
    private final AtomicLong mirrored = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** @param settings where it reads and writes */
    public MlflowBridge(Settings settings) {
        super("kdml-" + SERVICE);
        this.settings = settings;
    }

    /** Starts on its own thread. */
    public MlflowBridge start() {
        startLoop();
        return this;
    }

    /** @return records mirrored by this instance (their MLflow calls succeeded) */
    public long mirrored() {
        return mirrored.get();
    }

    /** @return records this instance dead-lettered */
    public long refused() {
        return refused.get();
    }

    @Override
    protected void loop() {
        Mirror mirror = new Mirror(new MlflowClient(settings.trackingUri()), settings.bucket());
        KnownRuns runs = new KnownRuns(settings.bootstrap());
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(settings.bootstrap(), settings.group(), 100,
                1_800_000);
                KafkaProducer<String, String> producer = Clients.producer(settings.bootstrap(), settings.group())) {
            producer.initTransactions();
            consumer.subscribe(List.of(Topics.EVENTS.name(), Topics.RESULTS.name()));
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                runs.nextBatch();
                Map<ConsumerRecord<String, byte[]>, DeadLetter> letters = new IdentityHashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (!running.get()) {
                        return;
                    }
                    DeadLetter d = handle(r, mirror, runs);
                    if (d != null) {
                        letters.put(r, d);
                    }
                }
                Transactions.step(producer, consumer, records, r -> {
                    DeadLetter d = letters.get(r);
                    if (d != null) {
                        producer.send(Topics.DLQ.record(r.key(), d));
                    }
                });
                refused.addAndGet(letters.size());
                mirrored.addAndGet(records.count() - letters.size());
            }
        } catch (InterruptedException e) {
            if (running.get()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Mirrors one record; @return its dead letter when it is refused, or null */
    private DeadLetter handle(ConsumerRecord<String, byte[]> r, Mirror mirror, KnownRuns runs)
            throws InterruptedException {
        RunEvent event = null;
        ResultMessage result = null;
        try {
            if (r.topic().equals(Topics.EVENTS.name())) {
                event = Topics.EVENTS.parse(r.value());
            } else {
                result = Topics.RESULTS.parse(r.value());
            }
        } catch (IOException | RuntimeException e) {
            return refuse(r, "value", "not a message of " + r.topic() + ": " + e.getMessage());
        }
        if (result != null && result.kind() == ResultKind.REPORT) {
            ResultMessage report = result;
            return mirror(r, "report of experiment " + report.experiment(), () -> mirror.report(report));
        }
        String runId = event != null ? event.runId() : result.runId();
        KnownRun run;
        try {
            run = runs.get(runId);
        } catch (IllegalArgumentException e) {
            return refuse(r, "runId", "run " + runId + " cannot be read from kdml.runs: " + e.getMessage());
        }
        if (run == null) {
            return refuse(r, "runId", "run " + runId + " is not on kdml.runs");
        }
        RunEvent ev = event;
        ResultMessage res = result;
        String what = ev != null ? ev.type() + " event of run " + runId : res.kind() + " result of run " + runId;
        return mirror(r, what, () -> {
            if (ev != null) {
                mirror.event(ev, run);
            } else {
                mirror.result(res, run);
            }
        });
    }

    /** One mirroring call. */
    private interface Call {
        void run() throws Exception;
    }

    /** Runs {@code call} with retries; @return the record's dead letter when MLflow refuses it, or null */
    private DeadLetter mirror(ConsumerRecord<String, byte[]> r, String what, Call call) throws InterruptedException {
        try {
            Retry.withBackoff("mirroring the " + what, settings.retryDeadline(), () -> {
                if (!running.get()) {
                    throw new InterruptedException("stopping");
                }
                call.run();
                return null;
            });
            return null;
        } catch (MlflowRejectedException e) {
            return refuse(r, "mlflow", "MLflow refused the " + what + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return refuse(r, "value", "cannot mirror the " + what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("mirroring the " + what + " failed for " + settings.retryDeadline()
                    + " (" + e.getMessage() + "); starting again from the committed offsets", e);
        }
    }

    private static DeadLetter refuse(ConsumerRecord<String, byte[]> r, String field, String reason) {
        System.err.println(SERVICE + ": dead-lettering " + r.topic() + "/" + r.partition() + "@" + r.offset() + ": "
                + reason);
        return DeadLetter.of(r, field, reason, SERVICE);
    }

    /** Stops and waits (at most 30 s). */
    @Override
    public void close() throws InterruptedException {
        stopLoop(30_000);
    }
}
