package org.kdml.cli;

import org.kdml.tools.Dashboard;
import org.kdml.tools.Stack;
import static org.kdml.cli.OptionChecks.port;

import java.io.PrintStream;
import java.nio.file.Path;
import org.kdml.pipeline.PipelineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kdml up}: the embedded stack and the dashboard until Ctrl-C / SIGTERM. */
@Command(name = "up", description = "The embedded pipeline of kdml run, with the dashboard, until Ctrl-C / SIGTERM.")
final class UpCommand extends KdmlCommand {

    @Option(names = "--data", paramLabel = "DIR", description = "the broker's, S3's and the services' data")
    private Path data = Path.of(".kdml", "stack");

    @Option(names = "--dashboard-port", paramLabel = "PORT", description = "the dashboard's port (0 or taken: a free"
            + " one)")
    private int dashboardPort = 8080;

    @Mixin
    private StackOptions stackOptions;

    @Override
    int run(PrintStream out) throws Exception {
        port("--dashboard-port", dashboardPort);
        stackOptions.check();
        int threads = stackOptions.shareCores(threads());
        int dashboard = Stack.portOrFree(dashboardPort, "dashboard", out);
        Stack.Settings settings = stackOptions.settings(data, out);
        Stack stack = new Stack(settings).start(System.getenv());
        PipelineConfig c = stack.config();
        Dashboard d = new Dashboard(c, stack.view(), "127.0.0.1", dashboard).start();
        out.printf("kdml up (%.1f s): Kafka %s, S3 %s (bucket %s), status http://127.0.0.1:%d/experiments,"
                + " dashboard http://127.0.0.1:%d/, %d in-process worker(s) with %d PyTorch thread(s) each%s; data in %s."
                + " Ctrl-C stops.%n", stack.startSeconds(), c.bootstrap(), c.s3Endpoint(), c.bucket(), stack.statusPort(),
                d.port(), settings.workers(), threads, settings.mlflow() == null ? "" : ", MLflow bridge to " + settings.mlflow(),
                settings.data().toAbsolutePath());
        Shutdown.await(() -> {
            d.close();
            stack.close();
        }, out);
        return 0;
    }
}
