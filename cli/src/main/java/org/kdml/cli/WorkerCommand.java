package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.worker.TrainerWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kdml worker}: one trainer worker process joining the group, until Ctrl-C / SIGTERM. */
@Command(name = "worker", description = "One more trainer worker (consumer group kdml-workers), until Ctrl-C /"
        + " SIGTERM; the run in progress then stops after its step, checkpoints exactly there and resumes elsewhere"
        + " with no step redone.")
final class WorkerCommand extends KdmlCommand {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka")
    private String bootstrap = PipelineConfig.DEFAULT_BOOTSTRAP;

    @Option(names = "--s3", paramLabel = "URL", description = "S3 (checkpoints)")
    private String s3 = PipelineConfig.DEFAULT_S3;

    @Option(names = "--checkpoint-every", paramLabel = "EPOCHS", description = "checkpoint every EPOCHS epochs"
            + " (0: only the last)")
    private int checkpointEvery = 1;

    @Option(names = "--max-attempts", paramLabel = "N", description = "attempts of a run before it is parked as failed")
    private int maxAttempts = 3;

    @Option(names = "--s3-patience", paramLabel = "SECONDS", description = "how long S3 may be unreachable before a"
            + " run fails")
    private int s3PatienceSeconds = 300;

    @Option(names = "--grace-period", paramLabel = "SECONDS", description = "how long a stop (SIGTERM) may take:"
            + " the step in progress, its checkpoint, the stopped event (past it, the run resumes from its last"
            + " checkpoint)")
    private int graceSeconds = (int) TrainerWorker.GRACE.toSeconds();

    @Option(names = "--work", paramLabel = "DIR", description = "local working folder (default: .kdml/worker-PID)")
    private Path work;

    @Option(names = "--id", paramLabel = "NAME", description = "the worker's name in events (default:"
            + " worker-HOST-PID)")
    private String id;

    @Override
    int run(PrintStream out) throws Exception {
        TrainerWorker.Options options = new TrainerWorker.Options(atLeast("--checkpoint-every", checkpointEvery, 0),
                atLeast("--max-attempts", maxAttempts, 1), Duration.ofSeconds(2),
                Duration.ofSeconds(atLeast("--s3-patience", s3PatienceSeconds, 0)),
                Duration.ofSeconds(atLeast("--grace-period", graceSeconds, 1)));
        long pid = ProcessHandle.current().pid();
        Path dir = work != null ? work : Path.of(".kdml", "worker-" + pid);
        String name = id != null ? id : "worker-" + InetAddress.getLocalHost().getHostName() + "-" + pid;
        PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), dir);
        TrainerWorker w = new TrainerWorker(config, options, name).start();
        out.printf("kdml worker %s: Kafka %s, S3 %s; Ctrl-C / SIGTERM stops after the step in progress, which"
                + " resumes elsewhere%n", name,
                bootstrap, s3);
        Shutdown.await(w, out);
        return 0;
    }
}
