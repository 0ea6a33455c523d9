package org.kdml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.core.train.ResultTable;
import org.kdml.core.train.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;

/**
 * The {@code kdml} command.
 *
 * <pre>
 * kdml run [SPEC.yaml]             the embedded pipeline (Kafka, S3, all services) on one spec
 *                                  (default examples/quickstart.yaml), progress, the final table
 * kdml up [--workers N]            the embedded pipeline, until Ctrl-C
 * kdml submit SPEC.yaml            publish a spec to kdml.specs
 * kdml worker                      one more trainer worker process
 * kdml status EXPERIMENT           the orchestrator's view of an experiment
 * kdml train SPEC.yaml [--out DIR] one experiment in process; results and checkpoints in DIR (default runs/)
 * kdml validate SPEC.yaml          check a spec and list its runs without training
 * kdml bench [options]             training-step throughput
 * </pre>
 */
public final class Kdml {

    /** The spec {@code kdml run} trains. */
    static final Path QUICKSTART = Path.of(System.getProperty("kdml.home", "."), "examples", "quickstart.yaml");

    private Kdml() {
    }

    /** Entry point; exits non-zero on error with a one-line message. */
    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (SpecException e) {
            System.err.println("kdml: invalid spec: " + e.getMessage());
            code = 2;
        } catch (org.kdml.core.data.DatasetException e) {
            System.err.println("kdml: bad data: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            System.err.println("kdml: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            out.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        String threads = option(rest, "--threads", null);
        if (threads != null) {
            // Read by the engine when it first loads, which happens after this point.
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(Integer.parseInt(threads)));
        }
        boolean trains = List.of("run", "train", "validate").contains(args[0]);
        Path outDir = trains ? Path.of(option(rest, "--out", "runs")) : null;
        switch (args[0]) {
            case "run":
                rest.add(0, "--out");
                rest.add(1, outDir.toString());
                return PipelineCommands.run(rest, QUICKSTART, out);
            case "up":
                return PipelineCommands.up(rest, out);
            case "submit":
                return PipelineCommands.submit(rest, out);
            case "worker":
                return PipelineCommands.worker(rest, out);
            case "status":
                return PipelineCommands.status(rest, out);
            case "chaos":
                return Chaos.run(rest, out);
            case "dashboard":
                return PipelineCommands.dashboard(rest, out);
            case "serve":
                return PipelineCommands.serve(rest, out);
            case "train":
                return train(Path.of(single(rest, "train")), outDir, out);
            case "bench":
                return Bench.run(rest, out);
            case "cka":
                return CkaCommand.run(rest, out);
            case "bench-cka":
                return CkaBench.run(rest, out);
            case "report":
                return ReportCommand.run(rest, out);
            case "make-data":
                return DataCommands.make(rest, out);
            case "bench-data":
                return DataCommands.bench(rest, out);
            case "validate": {
                Path file = Path.of(single(rest, "validate"));
                List<ExperimentSpec> points = Specs.grid(Files.readString(file), file.toString());
                ExperimentRunner.validate(points.get(0));
                for (ExperimentSpec spec : points) {
                    Specs.runs(spec).forEach(r -> out.printf("%s %s %s seed %d edges %s%n", r.runId(), spec.name(),
                            r.variant().key(), r.seed(), r.variant().graph().edges()));
                }
                return 0;
            }
            default:
                err.println("kdml: unknown command '" + args[0] + "'\n" + usage());
                return 2;
        }
    }

    private static int train(Path specFile, Path outDir, PrintStream out) throws IOException {
        if (!Files.isRegularFile(specFile)) {
            throw new IOException("spec file not found: " + specFile.toAbsolutePath());
        }
        List<ExperimentSpec> points = Specs.grid(Files.readString(specFile), specFile.toString());
        for (ExperimentSpec spec : points) {
            trainOne(spec, outDir, out);
        }
        return 0;
    }

    private static int trainOne(ExperimentSpec spec, Path outDir, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        List<RunResult> results = ExperimentRunner.run(spec, outDir,
                new ConsoleProgress(out, System.console() != null));
        out.println();
        out.println("Test metrics (" + spec.name() + ", " + spec.dataset().kind() + ", teacher " + spec.teacher()
                + ", students " + spec.students() + "):");
        out.print(ResultTable.render(results));
        out.printf("%nResults and checkpoints: %s (%.1f s in all)%n", outDir.resolve(spec.name()).toAbsolutePath(),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** Removes {@code name VALUE} from {@code args} and returns VALUE, or {@code fallback}. */
    static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        if (i < 0) {
            return fallback;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        String v = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return v;
    }

    private static String single(List<String> args, String command) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: kdml " + command + " SPEC.yaml [--out DIR], got " + args);
        }
        return args.get(0);
    }

    private static void requireNoArgs(List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: kdml <command> [options]",
                "  run [SPEC.yaml] [--workers 1] [--out runs] [--data DIR] [--checkpoint-every 1]",
                "                               embedded Kafka + S3 + orchestrator + workers + evaluator + CKA analyzer;",
                "                               submits SPEC (default " + QUICKSTART + "), prints the table, stops",
                "  up [--workers 1] [--data .kdml/stack] [--kafka-port 9092] [--s3-port 9000] [--status-port 8081]",
                "     [--dashboard-port 8080]",
                "                               the same stack, until Ctrl-C / SIGTERM",
                "  submit SPEC.yaml [--bootstrap 127.0.0.1:9092]",
                "                               publish a spec to kdml.specs (same as kcat -P -t kdml.specs)",
                "  worker [--bootstrap 127.0.0.1:9092] [--s3 http://127.0.0.1:9000] [--checkpoint-every 1]",
                "         [--max-attempts 3] [--s3-patience 300] [--id NAME] [--work DIR]",
                "                               one more trainer worker (consumer group kdml-workers)",
                "  chaos [--runs 12] [--kills 3] [--workers 2] [--fuzz 2000] [--s3-outage 30] [--epochs 3]",
                "                               the fault-injection suite: prints scenarios x (faults, completed, lost,",
                "                               duplicated, rejected, crashes) and writes chaos-report.md",
                "  dashboard [--bootstrap 127.0.0.1:9092] [--s3 URL] [--host 127.0.0.1] [--port 8080]",
                "                               live web page of experiments, runs, tables, curves and CKA heatmaps",
                "  serve orchestrator|evaluator|cka-analyzer [--bootstrap HOST:PORT] [--s3 URL]",
                "                               one service against an external Kafka and S3 (docker-compose.yml)",
                "  status EXPERIMENT [--orchestrator http://127.0.0.1:8081] [--json] [--watch SECONDS]",
                "                               runs, progress and mean ± std per variant, from the orchestrator's view",
                "  train SPEC.yaml [--out DIR]  train one experiment in process (results in DIR, default runs/)",
                "  validate SPEC.yaml           check a spec and list its runs",
                "  bench [--task classification|segmentation] [--variant kd-ml-v3] [--teacher resnet50]",
                "        [--students resnet18] [--count 2] [--size 96]",
                "        [--batch 32] [--warmup 3] [--steps 10] [--json]",
                "                               images/s of one training step on random data (not a test)",
                "  cka --x A.npy --y B.npy [--minibatch N] [--json]",
                "                               linear (and minibatch) CKA between two activation matrices",
                "  cka --run RUN_ID [--out runs] [--sample 512]",
                "                               layer-by-layer CKA heatmaps of a finished run (PNG + cka.json)",
                "  bench-cka [--teacher resnet50] [--student resnet18] [--size 96] [--examples 10000] [--batch 50] [--json]",
                "                               examples/s and peak memory of layer-by-layer CKA (not a test)",
                "  report EXPERIMENT [--out runs] [--format md|html|csv]",
                "                               paper-style tables (mean ± std over seeds, paired tests) of finished runs",
                "  make-data --kind pcam|pcam-h5|lgg|ham10000 --out DIR [--samples N]",
                "                               write generated data in that data set's published layout",
                "  bench-data --kind KIND --root DIR [--size 96] [--limit 2000] [--json]",
                "                               decode throughput of a data set on 1 and N threads",
                "every command takes --threads N (engine threads; default KDML_THREADS or all cores)");
    }
}
