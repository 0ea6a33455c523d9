package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.httpUri;
import static org.kdml.cli.OptionChecks.oneOf;
import static org.kdml.cli.OptionChecks.port;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdml.cka.CkaAnalyzer;
import org.kdml.evaluator.Evaluator;
import org.kdml.mlflow.MlflowBridge;
import org.kdml.orchestrator.ExperimentView;
import org.kdml.orchestrator.Orchestrator;
import org.kdml.orchestrator.StatusServer;
import org.kdml.pipeline.CompletionService;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.reporter.Reporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kdml serve orchestrator|evaluator|cka-analyzer|reporter|mlflow-bridge}: one service against
 * an external Kafka and S3 (the compose file's services), until SIGTERM. The MLflow bridge needs
 * {@code --tracking-uri} (and no S3: it links to the files by their {@code s3://} keys).
 */
@Command(name = "serve", description = "One service against an external Kafka and S3 (docker-compose.yml), until"
        + " SIGTERM.")
final class ServeCommand extends KdmlCommand {

    /** The services {@code kdml serve} runs (deploy/k8s names them; K8sManifestsTest checks). */
    static final List<String> SERVICES = List.of("orchestrator", "evaluator", "cka-analyzer", "reporter",
            "mlflow-bridge");

    @Parameters(index = "0", paramLabel = "SERVICE", description = "orchestrator, evaluator, cka-analyzer,"
            + " reporter or mlflow-bridge")
    private String service;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka")
    private String bootstrap = PipelineConfig.DEFAULT_BOOTSTRAP;

    @Option(names = "--s3", paramLabel = "URL", description = "S3 (checkpoints)")
    private String s3 = PipelineConfig.DEFAULT_S3;

    @Option(names = "--status-host", paramLabel = "HOST", description = "the orchestrator's status endpoint's address")
    private String statusHost = "127.0.0.1";

    @Option(names = "--status-port", paramLabel = "PORT", description = "the orchestrator's status endpoint's port")
    private int statusPort = 8081;

    @Option(names = "--cka-sample", paramLabel = "N", description = "test examples the CKA analyzer reads per run")
    private int ckaSample = 256;

    @Option(names = "--tracking-uri", paramLabel = "URI", description = "the MLflow tracking server the"
            + " mlflow-bridge mirrors to, e.g. http://127.0.0.1:5000")
    private URI trackingUri;

    @Option(names = "--work", paramLabel = "DIR", description = "local working folder")
    private Path work = Path.of(".kdml/service");

    @Override
    int run(PrintStream out) throws Exception {
        oneOf("SERVICE", "service", service, SERVICES);
        port("--status-port", statusPort);
        atLeast("--cka-sample", ckaSample, 1);
        if (service.equals("mlflow-bridge") != (trackingUri != null)) {
            throw new OptionChecks.InvalidOption(trackingUri == null ? "--tracking-uri: required for mlflow-bridge"
                    : "--tracking-uri: only for mlflow-bridge, not " + service);
        }
        if (trackingUri != null) {
            httpUri("--tracking-uri", trackingUri);
        }
        PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), work);
        List<AutoCloseable> parts = switch (service) {
            case "orchestrator" -> orchestrator();
            case "evaluator" -> List.of(start(new Evaluator(config)));
            case "reporter" -> List.of(new Reporter(config).start());
            case "mlflow-bridge" -> List.of(new MlflowBridge(MlflowBridge.Settings.of(bootstrap, trackingUri))
                    .start());
            default -> List.of(start(new CkaAnalyzer(config, ckaSample, 64)));
        };
        out.printf("kdml %s: Kafka %s, %s%n", service, bootstrap, trackingUri == null ? "S3 " + s3
                : "MLflow " + trackingUri);
        Shutdown.await(() -> {
            for (AutoCloseable c : parts) {
                c.close();
            }
        }, out);
        return 0;
    }

    /** Creates the topics, then starts the intake, the Streams view and the status endpoint; @return them in closing order */
    private List<AutoCloseable> orchestrator() throws Exception {
        Topics.create(bootstrap, Short.parseShort(System.getenv().getOrDefault("KDML_REPLICATION", "1")));
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(new Orchestrator(bootstrap).start());
        ExperimentView view = new ExperimentView(bootstrap, work.resolve("streams")).start();
        parts.add(0, view);
        parts.add(0, new StatusServer(view, statusHost, statusPort));
        return parts;
    }

    private static AutoCloseable start(CompletionService s) {
        s.start();
        return s;
    }
}
