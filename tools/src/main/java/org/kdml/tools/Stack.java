package org.kdml.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kdml.cka.CkaAnalyzer;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.embedded.EmbeddedKafka;
import org.kdml.embedded.EmbeddedS3;
import org.kdml.evaluator.Evaluator;
import org.kdml.mlflow.MlflowBridge;
import org.kdml.orchestrator.ExperimentView;
import org.kdml.orchestrator.Orchestrator;
import org.kdml.orchestrator.StatusServer;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.reporter.Reporter;
import org.kdml.worker.TrainerWorker;

/**
 * The embedded stack in one JVM: a KRaft Kafka broker, an S3 server on a folder, the orchestrator
 * (intake, Streams view, status endpoint), N trainer workers, the evaluator, the CKA analyzer and
 * the reporter, and the MLflow bridge when a tracking server is given.
 * The broker's client listener and S3 bind (and the broker advertises) {@link Settings#host}, so that
 * workers on other machines can join; the status endpoint binds 127.0.0.1. Closing stops the
 * services first, then S3, then the broker.
 */
public final class Stack implements AutoCloseable {

    /** The address the broker and S3 bind unless told otherwise. */
    public static final String LOOPBACK = "127.0.0.1";

    /**
     * Ports and sizes of a stack.
     *
     * @param mlflow the MLflow tracking server the bridge mirrors to, or null for no bridge
     * @param host the address Kafka's client listener binds and advertises and S3 binds: one that
     *     every worker reaches ({@value #LOOPBACK} for workers on this machine only)
     */
    public record Settings(Path data, int kafkaPort, int s3Port, int statusPort, int workers, int checkpointEvery,
            int ckaSample, URI mlflow, String host) {

        /**
         * A stack in {@code data} with ports the system picks, no worker of its own, a checkpoint every
         * epoch, CKA on 32 test examples per run, no MLflow bridge, on {@value #LOOPBACK}: what tests
         * and the chaos suite start from ({@link #withHost} for another address).
         */
        public static Settings in(Path data) {
            return new Settings(data, 0, 0, 0, 0, 1, 32, null, LOOPBACK);
        }

        /** @return these settings with {@code n} in-process trainer workers */
        public Settings withWorkers(int n) {
            return new Settings(data, kafkaPort, s3Port, statusPort, n, checkpointEvery, ckaSample, mlflow, host);
        }

        /** @return these settings with the address the broker and S3 bind and advertise */
        public Settings withHost(String address) {
            return new Settings(data, kafkaPort, s3Port, statusPort, workers, checkpointEvery, ckaSample, mlflow,
                    address);
        }
    }

    private final Settings settings;
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;
    private Orchestrator orchestrator;
    private ExperimentView view;
    private StatusServer status;
    private Evaluator evaluator;
    private CkaAnalyzer analyzer;
    private Reporter reporter;
    private MlflowBridge mlflow;
    private final List<TrainerWorker> workers = new ArrayList<>();
    private PipelineConfig config;
    private double startSeconds;

    public Stack(Settings settings) {
        this.settings = settings;
    }

    /** @return the port, or a free one (with a note) when it is taken on 127.0.0.1 */
    public static int portOrFree(int port, String what, PrintStream out) throws IOException {
        return portOrFree(port, LOOPBACK, what, out);
    }

    /** @return the port, or a free one (with a note) when it is taken on {@code host} */
    public static int portOrFree(int port, String host, String what, PrintStream out) throws IOException {
        if (port == 0) {
            return EmbeddedKafka.freePort();
        }
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return port;
        } catch (IOException e) {
            int free = EmbeddedKafka.freePort();
            out.println("kdml: " + what + " port " + port + " is taken; using " + free);
            return free;
        }
    }

    public Stack start(Map<String, String> env) throws Exception {
        long t0 = System.nanoTime();
        String host = settings.host();
        kafka = new EmbeddedKafka(settings.data().resolve("kafka"), host, settings.kafkaPort()).start();
        int s3Port = settings.s3Port() == 0 ? EmbeddedKafka.freePort() : settings.s3Port();
        config = PipelineConfig.of(kafka.bootstrap(), "http://" + EmbeddedKafka.hostPort(host, s3Port), env,
                settings.data().resolve("work"));
        s3 = new EmbeddedS3(settings.data().resolve("s3"), host, s3Port, config.accessKey(), config.secretKey())
                .start();
        startSeconds = (System.nanoTime() - t0) / 1e9;
        orchestrator = new Orchestrator(config.bootstrap(), ExperimentRunner::validate).start();
        view = new ExperimentView(config.bootstrap(), settings.data().resolve("streams")).start();
        status = new StatusServer(view, LOOPBACK, settings.statusPort());
        evaluator = new Evaluator(config);
        evaluator.start();
        analyzer = new CkaAnalyzer(config, settings.ckaSample(), 64);
        analyzer.start();
        reporter = new Reporter(config).start();
        if (settings.mlflow() != null) {
            mlflow = new MlflowBridge(MlflowBridge.Settings.of(config.bootstrap(), settings.mlflow())).start();
        }
        for (int i = 0; i < settings.workers(); i++) {
            workers.add(new TrainerWorker(config, new TrainerWorker.Options(settings.checkpointEvery(), 3,
                    Duration.ofSeconds(2), Duration.ofMinutes(5)), "embedded-" + ProcessHandle.current().pid() + "-" + i).start());
        }
        awaitWorkersAssigned(WORKERS_JOIN);
        return this;
    }

    /** @return how many partitions of {@code kdml.runs} each in-process worker holds now, in start order */
    public List<Integer> workerPartitions() {
        return workers.stream().map(TrainerWorker::assignedPartitions).toList();
    }

    /** How long {@link #start} waits for its workers to share {@code kdml.runs}. */
    static final Duration WORKERS_JOIN = Duration.ofSeconds(60);

    /**
     * Waits until every in-process worker holds partitions of {@code kdml.runs} (as many workers as
     * there are partitions when there are more): a worker that joined after runs were published
     * would take partitions from one that had started training, which then stops and hands its run
     * over. Past {@code timeout} (say, remote workers of a restarted stack hold partitions too) it
     * says so and goes on: the wait saves time, it is not needed for correct results.
     */
    private void awaitWorkersAssigned(Duration timeout) throws InterruptedException {
        if (workers.isEmpty()) {
            return;
        }
        int partitions = Topics.RUNS.partitions();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int holding = 0;
            for (TrainerWorker w : workers) {
                holding += w.assignedPartitions() > 0 ? 1 : 0;
            }
            if (holding == Math.min(workers.size(), partitions)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                System.err.println("kdml: " + holding + " of the " + workers.size() + " in-process workers hold"
                        + " partitions of " + Topics.RUNS.name() + " after " + timeout.toSeconds() + " s; going on (a"
                        + " worker that joins later stops the run of the partition it takes, which resumes elsewhere)");
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Stops the broker and starts it again on the same folder and ports (fault injection). */
    public void restartKafka() throws Exception {
        kafka.close();
        kafka.start();
    }

    /** Stops the S3 server (fault injection); {@link #startS3} brings it back with the same data. */
    public void stopS3() throws Exception {
        s3.close();
    }

    /** Starts the S3 server again after {@link #stopS3}. */
    public void startS3() throws Exception {
        s3.start();
    }

    public Orchestrator orchestrator() {
        return orchestrator;
    }

    public PipelineConfig config() {
        return config;
    }

    public ExperimentView view() {
        return view;
    }

    public int statusPort() {
        return status.port();
    }

    public double startSeconds() {
        return startSeconds;
    }

    @Override
    public void close() throws Exception {
        for (TrainerWorker w : workers) {
            w.close();
        }
        if (reporter != null) {
            reporter.close();
        }
        if (mlflow != null) {
            mlflow.close();
        }
        if (analyzer != null) {
            analyzer.close();
        }
        if (evaluator != null) {
            evaluator.close();
        }
        if (status != null) {
            status.close();
        }
        if (view != null) {
            view.close();
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
