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
            + " kdml worker processes)")
    private int workers = 1;

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
        atLeast("--workers", workers, 0);
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
        return new Stack.Settings(data, kafka, s3, status, workers, checkpointEvery == null ? defaultEvery
                : checkpointEvery, ckaSample, mlflow, host);
    }
}
