package org.kdml.cli;

import org.kdml.tools.Stack;
import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.httpUri;
import static org.kdml.cli.OptionChecks.localAddress;
import static org.kdml.cli.OptionChecks.port;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The embedded stack's ports and sizes, shared by {@code kdml run} and {@code kdml up}. */
final class StackOptions {

    @Option(names = "--workers", paramLabel = "N", description = "in-process trainer workers (0: leave training to"
            + " kdml worker processes; default 2 on a machine with 2 cores or more, else 1), each training with an"
            + " equal share of the cores' PyTorch threads unless --threads or KDML_THREADS says otherwise")
    private Integer workers;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "the address Kafka listens on and advertises and"
            + " S3 binds: one that workers on other machines reach, e.g. this machine's LAN address (the status"
            + " endpoint stays on 127.0.0.1)")
    private String host = Stack.LOOPBACK;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka's port (0 or taken: a free one)")
    private int kafkaPort = 9092;

    @Option(names = "--s3-port", paramLabel = "PORT", description = "S3's port (0 or taken: a free one)")
    private int s3Port = 9000;

    @Option(names = "--status-port", paramLabel = "PORT", description = "the orchestrator's status endpoint's port"
            + " (0 or taken: a free one)")
    private int statusPort = 8081;

    @Option(names = "--checkpoint-every", paramLabel = "EPOCHS", description = "workers checkpoint every EPOCHS"
            + " epochs (0: only the last; default 1, and 0 for kdml run without --data: that stack ends with the"
            + " process, so there is nothing to resume from)")
    private Integer checkpointEvery;

    @Option(names = "--cka-sample", paramLabel = "N", description = "test examples the CKA analyzer reads per run")
    private int ckaSample = 256;

    @Option(names = "--mlflow", paramLabel = "URI", description = "also run the MLflow bridge, mirroring events and"
            + " results to this tracking server, e.g. http://127.0.0.1:5000 (default: off)")
    private URI mlflow;

    /** Checks the values (before the command starts anything). */
    void check() {
        localAddress("--host", host);
        port("--kafka-port", kafkaPort);
        port("--s3-port", s3Port);
        port("--status-port", statusPort);
        if (workers != null) {
            atLeast("--workers", workers, 0);
        }
        if (checkpointEvery != null) {
            atLeast("--checkpoint-every", checkpointEvery, 0);
        }
        atLeast("--cka-sample", ckaSample, 1);
        if (mlflow != null) {
            httpUri("--mlflow", mlflow);
        }
    }

    /** Picks the ports: a taken one is replaced by a free one, with a note on {@code out}. */
    Stack.Settings settings(Path data, PrintStream out) throws IOException {
        return settings(data, 1, out);
    }

    /**
     * {@link #settings(Path, PrintStream)} with {@code defaultEvery} epochs between checkpoints unless
     * {@code --checkpoint-every} says otherwise.
     */
    Stack.Settings settings(Path data, int defaultEvery, PrintStream out) throws IOException {
        check();
        int kafka = Stack.portOrFree(kafkaPort, host, "Kafka", out);
        int s3 = Stack.portOrFree(s3Port, host, "S3", out);
        int status = Stack.portOrFree(statusPort, "status", out);
        return new Stack.Settings(data, kafka, s3, status, workers(), checkpointEvery == null ? defaultEvery
                : checkpointEvery, ckaSample, mlflow, host);
    }

    /** @return the in-process workers: as given, or {@link #defaultWorkers} of this machine's cores */
    int workers() {
        return workers != null ? workers : defaultWorkers(Runtime.getRuntime().availableProcessors());
    }

    /**
     * In-process workers when {@code --workers} is not given: 2 on 2 cores or more, else 1. Two runs
     * that train at once with half the cores each do more than one run with every core: a small
     * network's step uses a second core poorly (the quick start on the 2-core machine: 212 s with 2
     * threads, 236 s with 1), and each run's thread never waits for a descheduled team mate while
     * the stack's own threads (Kafka, S3, the services) take their share of the cores.
     */
    static int defaultWorkers(int cores) {
        return cores >= 2 ? 2 : 1;
    }

    /**
     * PyTorch threads per in-process worker: {@code cores / workers}, at least 1 (2 cores and 2
     * workers: 1 each; 16 and 2: 8; 3 and 2: 1); all of them without in-process workers.
     */
    static int threadsPerWorker(int cores, int workers) {
        return workers <= 0 ? cores : Math.max(1, cores / workers);
    }

    /**
     * Gives each in-process worker its share of the cores ({@link #threadsPerWorker}) unless the
     * thread count was chosen ({@code --threads}, or {@code KDML_THREADS} in the launcher); must run
     * before libtorch computes anything. The count is recorded in every run's provenance, and it
     * changes the numbers (sums split over other threads round differently): {@code kdml train
     * --threads N} with the same N gives the same numbers.
     *
     * @param chosen {@code --threads}, or null
     * @return the PyTorch threads each run trains with
     */
    int shareCores(Integer chosen) {
        int cores = Runtime.getRuntime().availableProcessors();
        String env = System.getenv("KDML_THREADS");
        if (chosen != null || (env != null && !env.isBlank())) {
            return Integer.getInteger(THREADS, cores);
        }
        int threads = threadsPerWorker(cores, workers());
        System.setProperty(THREADS, String.valueOf(threads));
        return threads;
    }

    /** The system property the engine reads its thread count from. */
    static final String THREADS = "ai.djl.pytorch.num_threads";
}
