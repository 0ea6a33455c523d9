package org.kdml.cli;

import org.kdml.tools.Dashboard;
import static org.kdml.cli.OptionChecks.port;

import java.io.PrintStream;
import java.nio.file.Path;
import org.kdml.orchestrator.StatusClient;
import org.kdml.pipeline.PipelineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kdml dashboard}: the live dashboard against a running pipeline, until Ctrl-C. */
@Command(name = "dashboard", description = "Live web page of experiments, runs, tables, curves and CKA heatmaps,"
        + " against a running pipeline, until Ctrl-C.")
final class DashboardCommand extends KdmlCommand {

    @Option(names = "--orchestrator", paramLabel = "URL", description = "the orchestrator's status endpoint, whose"
            + " view the page shows")
    private String orchestrator = "http://127.0.0.1:8081";

    @Option(names = "--s3", paramLabel = "URL", description = "S3 (heatmaps)")
    private String s3 = PipelineConfig.DEFAULT_S3;

    @Option(names = "--host", paramLabel = "HOST", description = "the address to bind")
    private String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", description = "the port to bind (0: a free one)")
    private int port = 8080;

    @Override
    int run(PrintStream out) throws Exception {
        PipelineConfig config = PipelineConfig.of(PipelineConfig.DEFAULT_BOOTSTRAP, s3, System.getenv(),
                Path.of(".kdml", "dashboard"));
        Dashboard d = new Dashboard(config, new StatusClient(orchestrator), host, port("--port", port)).start();
        out.printf("kdml dashboard: http://%s:%d/ (the view of %s); Ctrl-C stops%n", host, d.port(), orchestrator);
        Shutdown.await(d, out);
        return 0;
    }
}
