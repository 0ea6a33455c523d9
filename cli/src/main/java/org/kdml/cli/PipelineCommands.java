package org.kdml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.core.train.ResultTable;
import org.kdml.core.train.RunResult;
import org.kdml.core.train.TrainingState;
import org.kdml.orchestrator.ExperimentState;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.worker.TrainerWorker;

/** {@code kdml run | up | submit | worker | status}: the event-driven pipeline from the command line. */
final class PipelineCommands {

    private PipelineCommands() {
    }

    private static Stack.Settings settings(List<String> args, Path defaultData, int defaultWorkers, PrintStream out)
            throws IOException {
        Path data = Path.of(Kdml.option(args, "--data", defaultData.toString()));
        int kafka = Stack.portOrFree(Integer.parseInt(Kdml.option(args, "--kafka-port", "9092")), "Kafka", out);
        int s3 = Stack.portOrFree(Integer.parseInt(Kdml.option(args, "--s3-port", "9000")), "S3", out);
        int status = Stack.portOrFree(Integer.parseInt(Kdml.option(args, "--status-port", "8081")), "status", out);
        int workers = Integer.parseInt(Kdml.option(args, "--workers", String.valueOf(defaultWorkers)));
        if (workers < 0) {
            throw new IllegalArgumentException("--workers: must be >= 0, got " + workers);
        }
        int every = Integer.parseInt(Kdml.option(args, "--checkpoint-every", "1"));
        int sample = Integer.parseInt(Kdml.option(args, "--cka-sample", "256"));
        return new Stack.Settings(data, kafka, s3, status, workers, every, sample);
    }

    /**
     * {@code kdml run [SPEC]}: the embedded stack, one spec submitted, progress, the final table,
     * results under {@code runs/}, then a clean shutdown.
     */
    static int run(List<String> args, Path defaultSpec, PrintStream out) throws Exception {
        Path outDir = Path.of(Kdml.option(args, "--out", "runs"));
        Path tmp = Files.createTempDirectory("kdml-stack-");
        boolean keep = args.contains("--data");
        Stack.Settings settings = settings(args, tmp, 1, out);
        long timeout = Long.parseLong(Kdml.option(args, "--timeout", "7200"));
        Path specFile = args.isEmpty() ? defaultSpec : Path.of(args.remove(0));
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        if (!Files.isRegularFile(specFile)) {
            throw new IOException("spec file not found: " + specFile.toAbsolutePath());
        }
        String text = Files.readString(specFile);
        List<ExperimentSpec> points = Specs.grid(text, specFile.toString());
        ExperimentRunner.validate(points.get(0));
        long t0 = System.nanoTime();
        try (Stack stack = new Stack(settings).start(System.getenv())) {
            PipelineConfig config = stack.config();
            out.printf("kdml: embedded stack up in %.1f s: Kafka %s, S3 %s, status http://127.0.0.1:%d/experiments,"
                    + " %d worker(s); data in %s%n", stack.startSeconds(), config.bootstrap(), config.s3Endpoint(),
                    stack.statusPort(), settings.workers(), settings.data());
            long submitted = System.currentTimeMillis();
            publish(config.bootstrap(), text);
            int total = points.stream().mapToInt(p -> Specs.runs(p).size()).sum();
            out.printf("kdml: submitted %s (%d runs%s) to %s%n", specFile, total,
                    points.size() > 1 ? " in " + points.size() + " grid points" : "", Topics.SPECS);
            boolean complete = true;
            for (ExperimentSpec spec : points) {
                List<RunSpec> runs = Specs.runs(spec);
                Map<String, Object> last = follow(stack, spec.name(), runs.size(), timeout, out);
                Object first = last.get("firstStartedAt");
                double wall = (System.nanoTime() - t0) / 1e9;
                Collected c = collect(config, spec, runs, outDir, out);
                out.println();
                out.println("Test metrics (" + spec.name() + ", " + spec.dataset().kind() + ", teacher "
                        + spec.teacher() + ", students " + spec.students() + "), from " + Topics.RESULTS + ":");
                out.print(ResultTable.render(c.results));
                double train = c.results.stream().mapToDouble(RunResult::trainSeconds).sum();
                out.printf("%nRuns: %d, results: %d metrics + %d CKA, duplicates: %d, failed: %s%n", runs.size(),
                        c.results.size(), c.cka, c.duplicates, ((Map<?, ?>) last.get("counts")).get("failed"));
                out.printf("Timing: stack start %.1f s; spec to first training start %s; wall %.1f s, of which"
                        + " training (summed over runs) %.1f s, CKA %.1f s; peak RSS %.0f MB%n", stack.startSeconds(),
                        first == null ? "n/a" : String.format("%.2f s", (((Number) first).longValue() - submitted) / 1e3),
                        wall, train, c.ckaSeconds, Bench.peakRssMb());
                out.println(breakdown(config, spec.name(), c));
                out.printf("Results: %s; checkpoints: s3://%s/%s/%n", outDir.resolve(spec.name()).toAbsolutePath(),
                        config.bucket(), spec.name());
                complete &= c.results.size() == runs.size();
            }
            return complete ? 0 : 1;
        } finally {
            if (!keep) {
                TrainingState.deleteTree(tmp);
            }
        }
    }

    private static void publish(String bootstrap, String text) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap, null)) {
            p.send(new ProducerRecord<>(Topics.SPECS, null, text)).get(120, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Object> follow(Stack stack, String experiment, int total, long timeoutSeconds,
            PrintStream out) throws Exception {
        long end = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        String shown = "";
        java.util.Set<String> reported = new java.util.HashSet<>();
        while (true) {
            String agg = stack.view().get(experiment);
            if (agg != null) {
                Map<String, Object> st = ExperimentState.status(agg);
                @SuppressWarnings("unchecked")
                Map<String, Integer> counts = (Map<String, Integer>) st.get("counts");
                String running = "";
                for (Object o : (List<?>) st.get("runs")) {
                    Map<?, ?> r = (Map<?, ?>) o;
                    if ((r.get("state").equals("failed") || r.get("state").equals("retrying"))
                            && reported.add(r.get("runId") + "/" + r.get("attempt"))) {
                        out.println("  " + r.get("runId") + " " + r.get("variant") + " seed " + r.get("seed") + ": "
                                + r.get("reason"));
                    }
                    if (r.get("state").equals("running") || r.get("state").equals("started")) {
                        running = r.get("variant") + " seed " + r.get("seed")
                                + (r.containsKey("progress") ? " " + r.get("progress") : "");
                    }
                }
                int done = counts.get("evaluated") + counts.get("failed");
                String line = String.format("%s [%d/%d evaluated, %d CKA, %d failed] %s", bar(done, total, 20),
                        counts.get("evaluated"), total, (Integer) st.get("cka"), counts.get("failed"),
                        running.isEmpty() ? "" : "training " + running);
                if (!line.equals(shown)) {
                    out.println(line);
                    shown = line;
                }
                if (counts.get("evaluated") + counts.get("failed") >= total
                        && (Integer) st.get("cka") >= counts.get("evaluated")) {
                    return st;
                }
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("experiment " + experiment + " did not finish within " + timeoutSeconds
                        + " s (--timeout)");
            }
            Thread.sleep(500);
        }
    }

    /** A text progress bar, e.g. {@code ██████░░░░}. */
    static String bar(int done, int total, int width) {
        int full = total <= 0 ? 0 : Math.min(width, done * width / total);
        return "\u2588".repeat(full) + "\u2591".repeat(width - full);
    }

    private record Collected(List<RunResult> results, int cka, int duplicates, double ckaSeconds,
            double evaluationSeconds) {
    }

    /** Where a run's time went, summed over the experiment's runs, from the completion events. */
    private static String breakdown(PipelineConfig config, String experiment, Collected c) throws Exception {
        Map<String, Double> sums = new LinkedHashMap<>();
        int n = 0;
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(config.bootstrap(), Topics.EVENTS,
                Duration.ofMinutes(1))) {
            JsonNode e = Specs.json().readTree(r.value());
            if (experiment.equals(e.path("experiment").asText()) && "completed".equals(e.path("type").asText())) {
                n++;
                for (String k : List.of("attemptSeconds", "trainSeconds", "checkpointWaitSeconds",
                        "checkpointUploadSeconds", "finalUploadSeconds", "dataOpenSeconds")) {
                    sums.merge(k, e.path("metrics").path(k).asDouble(0), Double::sum);
                }
            }
        }
        double attempt = sums.getOrDefault("attemptSeconds", 0.0);
        double train = sums.getOrDefault("trainSeconds", 0.0);
        return String.format("Worker time over %d completions: %.1f s, of which training %.1f s (%.1f%%), waiting on"
                + " checkpoint uploads %.1f s, final upload %.1f s, data open %.1f s, other %.1f s; checkpoint uploads"
                + " in the background %.1f s; evaluation %.1f s, CKA %.1f s (evaluator and analyzer, beside training)",
                n, attempt, train, attempt > 0 ? 100 * train / attempt : 0, sums.getOrDefault("checkpointWaitSeconds", 0.0),
                sums.getOrDefault("finalUploadSeconds", 0.0), sums.getOrDefault("dataOpenSeconds", 0.0),
                attempt - train - sums.getOrDefault("checkpointWaitSeconds", 0.0)
                        - sums.getOrDefault("finalUploadSeconds", 0.0) - sums.getOrDefault("dataOpenSeconds", 0.0),
                sums.getOrDefault("checkpointUploadSeconds", 0.0), c.evaluationSeconds, c.ckaSeconds);
    }

    /** Reads the experiment's results from the topic and keeps them under {@code outDir} for {@code kdml report}. */
    private static Collected collect(PipelineConfig config, ExperimentSpec spec, List<RunSpec> runs, Path outDir,
            PrintStream out) throws Exception {
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            order.put(runs.get(i).runId(), i);
        }
        Map<String, RunResult> metrics = new LinkedHashMap<>();
        Map<String, JsonNode> cka = new LinkedHashMap<>();
        int duplicates = 0;
        double ckaSeconds = 0;
        double evaluationSeconds = 0;
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(config.bootstrap(), Topics.RESULTS,
                Duration.ofMinutes(2))) {
            ResultMessage m = Specs.json().readValue(r.value(), ResultMessage.class);
            if (!m.experiment().equals(spec.name()) || !order.containsKey(m.runId())) {
                continue;
            }
            if (m.kind().equals(ResultMessage.METRICS)) {
                duplicates += metrics.put(m.runId(), Specs.json().treeToValue(m.payload(), RunResult.class)) == null
                        ? 0 : 1;
                evaluationSeconds += m.seconds() == null ? 0 : m.seconds();
            } else if (m.kind().equals(ResultMessage.CKA)) {
                duplicates += cka.put(m.runId(), m.payload()) == null ? 0 : 1;
                ckaSeconds += m.seconds() == null ? m.payload().path("seconds").asDouble() : m.seconds();
            }
        }
        try (CheckpointStore store = new CheckpointStore(config, Duration.ofMinutes(1))) {
            for (RunResult r : metrics.values()) {
                Path dir = outDir.resolve(spec.name()).resolve(r.runId());
                Files.createDirectories(dir);
                Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.RESULT).toFile(), r);
                Files.writeString(dir.resolve(RunLayout.SPEC), Specs.canonicalJson(spec));
                String prefix = CheckpointStore.runPrefix(spec.name(), r.runId());
                byte[] hardest = store.getBytes(prefix + RunLayout.IMAGES_DIR + "/" + RunLayout.HARDEST);
                if (hardest != null) {
                    Files.write(dir.resolve(RunLayout.HARDEST), hardest);
                }
                JsonNode c = cka.get(r.runId());
                if (c != null) {
                    Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.CKA).toFile(), c);
                    for (var it = c.path("pairs").fields(); it.hasNext();) {
                        var e = it.next();
                        String key = e.getValue().path("heatmap").asText().substring(config.bucket().length() + 1);
                        byte[] png = store.getBytes(key);
                        if (png != null) {
                            Files.write(dir.resolve(RunLayout.heatmap(e.getKey())), png);
                        }
                    }
                }
            }
        }
        List<RunResult> list = new ArrayList<>(metrics.values());
        list.sort((a, b) -> Integer.compare(order.get(a.runId()), order.get(b.runId())));
        return new Collected(list, cka.size(), duplicates, ckaSeconds, evaluationSeconds);
    }

    /** {@code kdml up}: the embedded stack until Ctrl-C / SIGTERM. */
    static int up(List<String> args, PrintStream out) throws Exception {
        int dashboardPort = Stack.portOrFree(Integer.parseInt(Kdml.option(args, "--dashboard-port", "8080")),
                "dashboard", out);
        Stack.Settings settings = settings(args, Path.of(".kdml", "stack"), 1, out);
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        Stack stack = new Stack(settings).start(System.getenv());
        PipelineConfig c = stack.config();
        Dashboard dashboard = new Dashboard(c, "127.0.0.1", dashboardPort).start();
        out.printf("kdml up (%.1f s): Kafka %s, S3 %s (bucket %s), status http://127.0.0.1:%d/experiments,"
                + " dashboard http://127.0.0.1:%d/, %d in-process worker(s); data in %s. Ctrl-C stops.%n",
                stack.startSeconds(), c.bootstrap(), c.s3Endpoint(), c.bucket(), stack.statusPort(), dashboard.port(),
                settings.workers(), settings.data().toAbsolutePath());
        waitForSignal(() -> {
            dashboard.close();
            stack.close();
        }, out);
        return 0;
    }

    private static void waitForSignal(AutoCloseable resource, PrintStream out) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("kdml: stopping...");
            try {
                resource.close();
            } catch (Exception e) {
                out.println("kdml: while stopping: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    /** {@code kdml dashboard}: the live dashboard against a running pipeline, until Ctrl-C. */
    static int dashboard(List<String> args, PrintStream out) throws Exception {
        String bootstrap = Kdml.option(args, "--bootstrap", PipelineConfig.DEFAULT_BOOTSTRAP);
        String s3 = Kdml.option(args, "--s3", PipelineConfig.DEFAULT_S3);
        String host = Kdml.option(args, "--host", "127.0.0.1");
        int port = Integer.parseInt(Kdml.option(args, "--port", "8080"));
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        Dashboard d = new Dashboard(PipelineConfig.of(bootstrap, s3, System.getenv(), Path.of(".kdml", "dashboard")),
                host, port).start();
        out.printf("kdml dashboard: http://%s:%d/ (Kafka %s); Ctrl-C stops%n", host, d.port(), bootstrap);
        waitForSignal(d, out);
        return 0;
    }

    /** {@code kdml submit SPEC}: checks the spec, publishes it to {@code kdml.specs}, lists its runs. */
    static int submit(List<String> args, PrintStream out) throws Exception {
        String bootstrap = Kdml.option(args, "--bootstrap", PipelineConfig.DEFAULT_BOOTSTRAP);
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: kdml submit SPEC.yaml [--bootstrap HOST:PORT]");
        }
        Path file = Path.of(args.get(0));
        String text = Files.readString(file);
        List<ExperimentSpec> points = Specs.grid(text, file.toString());
        publish(bootstrap, text);
        out.printf("submitted %s to %s on %s:%n", file, Topics.SPECS, bootstrap);
        for (ExperimentSpec spec : points) {
            for (RunSpec r : Specs.runs(spec)) {
                out.printf("  %s %s %s seed %d%n", r.runId(), spec.name(), r.variant().key(), r.seed());
            }
        }
        return 0;
    }

    /** {@code kdml worker}: one trainer worker process joining the group, until Ctrl-C / SIGTERM. */
    static int worker(List<String> args, PrintStream out) throws Exception {
        String bootstrap = Kdml.option(args, "--bootstrap", PipelineConfig.DEFAULT_BOOTSTRAP);
        String s3 = Kdml.option(args, "--s3", PipelineConfig.DEFAULT_S3);
        int every = Integer.parseInt(Kdml.option(args, "--checkpoint-every", "1"));
        int attempts = Integer.parseInt(Kdml.option(args, "--max-attempts", "3"));
        int patience = Integer.parseInt(Kdml.option(args, "--s3-patience", "300"));
        Path work = Path.of(Kdml.option(args, "--work", Path.of(".kdml", "worker-" + ProcessHandle.current().pid())
                .toString()));
        String id = Kdml.option(args, "--id", "worker-" + java.net.InetAddress.getLocalHost().getHostName() + "-"
                + ProcessHandle.current().pid());
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), work);
        TrainerWorker w = new TrainerWorker(config, new TrainerWorker.Options(every, attempts, Duration.ofSeconds(2),
                Duration.ofSeconds(patience)),
                id).start();
        out.printf("kdml worker %s: Kafka %s, S3 %s; Ctrl-C stops (the run in progress resumes elsewhere)%n", id,
                bootstrap, s3);
        waitForSignal(w, out);
        return 0;
    }

    /**
     * {@code kdml serve orchestrator|evaluator|cka-analyzer}: one service against an external Kafka
     * and S3 (the compose file's services), until SIGTERM.
     */
    static int serve(List<String> args, PrintStream out) throws Exception {
        String bootstrap = Kdml.option(args, "--bootstrap", PipelineConfig.DEFAULT_BOOTSTRAP);
        String s3 = Kdml.option(args, "--s3", PipelineConfig.DEFAULT_S3);
        String host = Kdml.option(args, "--status-host", "127.0.0.1");
        int port = Integer.parseInt(Kdml.option(args, "--status-port", "8081"));
        int sample = Integer.parseInt(Kdml.option(args, "--cka-sample", "256"));
        Path work = Path.of(Kdml.option(args, "--work", ".kdml/service"));
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: kdml serve orchestrator|evaluator|cka-analyzer"
                    + " [--bootstrap HOST:PORT] [--s3 URL]");
        }
        PipelineConfig config = PipelineConfig.of(bootstrap, s3, System.getenv(), work);
        List<AutoCloseable> parts = new ArrayList<>();
        switch (args.get(0)) {
            case "orchestrator" -> {
                try (Admin admin = Clients.admin(bootstrap)) {
                    Topics.create(admin, Short.parseShort(System.getenv().getOrDefault("KDML_REPLICATION", "1")));
                }
                parts.add(new org.kdml.orchestrator.Orchestrator(bootstrap).start());
                var view = new org.kdml.orchestrator.ExperimentView(bootstrap, work.resolve("streams")).start();
                parts.add(0, view);
                parts.add(0, new org.kdml.orchestrator.StatusServer(view, host, port));
            }
            case "evaluator" -> parts.add(startService(new org.kdml.evaluator.Evaluator(config)));
            case "cka-analyzer" -> parts.add(startService(new org.kdml.cka.CkaAnalyzer(config, sample, 64)));
            default -> throw new IllegalArgumentException("serve: unknown service '" + args.get(0)
                    + "' (orchestrator, evaluator, cka-analyzer)");
        }
        out.printf("kdml %s: Kafka %s, S3 %s%n", args.get(0), bootstrap, s3);
        waitForSignal(() -> {
            for (AutoCloseable c : parts) {
                c.close();
            }
        }, out);
        return 0;
    }

    private static AutoCloseable startService(org.kdml.pipeline.CompletionService s) {
        s.start();
        return s;
    }

    /** {@code kdml status EXPERIMENT}: the orchestrator's view, as a compact table or JSON. */
    static int status(List<String> args, PrintStream out) throws Exception {
        String url = Kdml.option(args, "--orchestrator", "http://127.0.0.1:8081");
        int watch = Integer.parseInt(Kdml.option(args, "--watch", "0"));
        boolean json = args.remove("--json");
        if (watch > 0) {
            while (true) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                int code = status(new ArrayList<>(args), url, json, new PrintStream(buf, true, StandardCharsets.UTF_8));
                out.print("\033[H\033[2J" + buf.toString(StandardCharsets.UTF_8));
                out.flush();
                if (code != 0) {
                    return code;
                }
                Thread.sleep(watch * 1000L);
            }
        }
        return status(args, url, json, out);
    }

    private static int status(List<String> args, String url, boolean json, PrintStream out) throws Exception {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: kdml status EXPERIMENT [--orchestrator URL] [--json]");
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/experiments/"
                + java.net.URLEncoder.encode(args.get(0), java.nio.charset.StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            out.println("kdml status: " + r.body());
            return 1;
        }
        if (json) {
            out.println(r.body());
            return 0;
        }
        JsonNode st = Specs.json().readTree(r.body());
        out.printf("%s: %d runs; %s; CKA %d%n", st.get("experiment").asText(), st.get("total").asInt(),
                st.get("counts").toString(), st.get("cka").asInt());
        for (JsonNode run : st.get("runs")) {
            out.printf("  %s %-10s seed %-3d %-9s attempt %d %s%s%n", run.get("runId").asText(),
                    run.get("variant").asText(), run.get("seed").asLong(), run.get("state").asText(),
                    run.get("attempt").asInt(), run.path("progress").asText(""),
                    run.has("reason") ? "  (" + run.get("reason").asText() + ")" : "");
        }
        String metric = st.path("metric").asText("");
        if (!metric.isEmpty()) {
            out.printf("test %s, mean ± std over seeds:%n", metric);
            for (var v = st.get("variants").fields(); v.hasNext();) {
                var e = v.next();
                StringBuilder line = new StringBuilder(String.format("  %-10s", e.getKey()));
                for (var n = e.getValue().fields(); n.hasNext();) {
                    var ne = n.next();
                    line.append(String.format("  %s %.3f±%.3f", ne.getKey(), ne.getValue().get("mean").asDouble(),
                            ne.getValue().get("std").asDouble()));
                }
                out.println(line);
            }
        }
        return 0;
    }
}
