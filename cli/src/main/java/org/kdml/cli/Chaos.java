package org.kdml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.kdml.core.train.TrainingState;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Topics;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * {@code kdml chaos}: the fault-injection suite. Starts the embedded stack with no in-process
 * worker, runs separate {@code kdml worker} processes, and injects faults scenario by scenario:
 * kill -9 of workers (at a checkpoint, right after a completion, at random moments), a broker
 * restart and an S3 outage mid-grid, a corrupted checkpoint, S3 refusing writes, spec fuzzing and
 * a poison run. Prints a table of scenarios × (faults, runs, completed, lost, duplicated, inputs
 * rejected, crashes) and checks that the secret appears in no output.
 */
final class Chaos {

    /** One row of the table. */
    record Row(String scenario, int faults, int runs, int completed, int lost, int duplicated, long rejected,
            long crashes, String notes) {
    }

    private final Stack stack;
    private final Path dir;
    private final Random random;
    private final int epochs;
    private final PrintStream out;
    private final String secret;
    private final Duration timeout;
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private int started;

    private Chaos(Stack stack, Path dir, long seed, int epochs, String secret, Duration timeout, PrintStream out) {
        this.stack = stack;
        this.dir = dir;
        this.random = new Random(seed);
        this.epochs = epochs;
        this.secret = secret;
        this.timeout = timeout;
        this.out = out;
    }

    /** What {@code kdml chaos} was asked for (see {@link ChaosCommand}). */
    record Options(int runs, int kills, int workers, int fuzz, int s3OutageSeconds, int epochs, long seed,
            long timeoutMinutes, Path report) {
    }

    static int run(Options options, PrintStream out) throws Exception {
        int runs = options.runs();
        int kills = options.kills();
        int nWorkers = options.workers();
        int fuzz = options.fuzz();
        int outage = options.s3OutageSeconds();
        int epochs = options.epochs();
        long seed = options.seed();
        long minutes = options.timeoutMinutes();
        Path report = options.report();
        Path dir = Files.createTempDirectory("kdml-chaos-");
        String secret = "chaos-secret-" + Long.toHexString(new Random(seed * 31 + 7).nextLong() & Long.MAX_VALUE);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KDML_S3_ACCESS_KEY", "chaos");
        env.put("KDML_S3_SECRET_KEY", secret);
        List<Row> rows = new ArrayList<>();
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                captured.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                captured.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        try (Stack stack = new Stack(new Stack.Settings(dir.resolve("stack"), 0, 0, 0, 0, 1, 32)).start(env)) {
            Chaos c = new Chaos(stack, dir, seed, epochs, secret, Duration.ofMinutes(minutes), tee);
            try {
                for (int i = 0; i < nWorkers; i++) {
                    c.startWorker(env);
                }
                rows.add(c.kills(runs, kills, env));
                rows.add(c.outages(outage));
                rows.add(c.corrupt(env));
                rows.add(c.refusedWrites(env));
                rows.add(c.poison());
                rows.add(c.fuzz(fuzz));
            } finally {
                for (Process p : c.workers) {
                    p.destroy();
                }
                for (Process p : c.workers) {
                    p.waitFor(60, TimeUnit.SECONDS);
                    p.destroyForcibly();
                }
            }
            long leaks = c.secretLeaks(captured.toString(StandardCharsets.UTF_8));
            String table = table(rows, leaks, secret.length());
            tee.println();
            tee.print(table);
            Files.writeString(report, table);
            tee.println("written to " + report.toAbsolutePath());
            boolean ok = leaks == 0 && rows.stream().allMatch(r -> r.lost == 0 && r.duplicated == 0 && r.crashes == 0);
            return ok ? 0 : 1;
        } finally {
            TrainingState.deleteTree(dir);
        }
    }

    static String table(List<Row> rows, long leaks, int secretLength) {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | faults injected | runs | completed | lost | duplicated | inputs rejected | crashes"
                + " | notes |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            sb.append(String.format("| %s | %d | %d | %d | %d | %d | %d | %d | %s |%n", r.scenario, r.faults, r.runs,
                    r.completed, r.lost, r.duplicated, r.rejected, r.crashes, r.notes));
        }
        sb.append(String.format("%nSecret (%d characters) found in outputs, events, results, dead letters and"
                + " manifests: %d times.%n", secretLength, leaks));
        return sb.toString();
    }

    private Process startWorker(Map<String, String> env) throws IOException {
        int n = started++;
        Path log = dir.resolve("worker-" + n + ".log");
        logs.add(log);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "org.kdml.cli.Kdml", "worker", "--bootstrap", stack.config().bootstrap(), "--s3",
                stack.config().s3Endpoint(), "--id", "chaos-w" + n, "--work", dir.resolve("w" + n).toString(),
                "--s3-patience", "10"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        workers.add(p);
        return p;
    }

    private void killOne(Map<String, String> env, String why) throws Exception {
        List<Process> alive = workers.stream().filter(Process::isAlive).toList();
        Process victim = alive.get(random.nextInt(alive.size()));
        victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        workers.remove(victim);
        out.println("chaos: kill -9 worker pid " + victim.pid() + " (" + why + "); starting another");
        startWorker(env);
    }

    private String spec(String name, String modes, String versions, String seeds, int samples) {
        return String.join("\n", "name: " + name,
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: " + samples + "}",
                "teacher: resnet50-tiny", "students: [resnet18-tiny, resnet18-tiny]", "modes: " + modes,
                "versions: " + versions, "seeds: " + seeds,
                "training: {epochs: " + epochs + ", teacherEpochs: " + epochs + ", batchSize: 32, learningRate: 0.002}",
                "");
    }

    private void publish(byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.config().bootstrap(), "max.request.size", 4_000_000, "linger.ms", 5), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.SPECS, null, value)).get(60, TimeUnit.SECONDS);
        }
    }

    private List<JsonNode> read(String topic, Predicate<JsonNode> filter) throws Exception {
        List<JsonNode> outList = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : Clients.readAll(stack.config().bootstrap(), topic,
                Duration.ofMinutes(2))) {
            try {
                JsonNode n = Specs.json().readTree(r.value());
                if (n != null && filter.test(n)) {
                    outList.add(n);
                }
            } catch (IOException e) {
                // Not JSON (e.g. a fuzzed spec): not an event or result.
            }
        }
        return outList;
    }

    private JsonNode awaitEvent(Predicate<JsonNode> filter, Set<String> seen) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (JsonNode n : read(Topics.EVENTS, filter)) {
                String key = n.toString();
                if (seen.add(key)) {
                    return n;
                }
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("chaos: no matching event within " + timeout);
    }

    private static Predicate<JsonNode> in(String experiment, String type) {
        return n -> experiment.equals(n.path("experiment").asText()) && type.equals(n.path("type").asText());
    }

    /** Waits until every run of {@code spec} has a metrics result (or is parked as failed). */
    private void awaitGrid(ExperimentSpec spec) throws Exception {
        List<RunSpec> runs = Specs.runs(spec);
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> done = new HashSet<>();
            read(Topics.RESULTS, n -> spec.name().equals(n.path("experiment").asText())
                    && "metrics".equals(n.path("kind").asText())).forEach(n -> done.add(n.get("runId").asText()));
            read(Topics.EVENTS, n -> spec.name().equals(n.path("experiment").asText())
                    && "failed".equals(n.path("type").asText()) && n.path("reason").asText().contains("giving up"))
                    .forEach(n -> done.add(n.get("runId").asText()));
            if (runs.stream().allMatch(r -> done.contains(r.runId()))) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("chaos: " + spec.name() + " did not finish within " + timeout
                        + " (" + done.size() + " of " + runs.size() + " runs)");
            }
            Thread.sleep(1_000);
        }
    }

    /** Completed, lost and duplicated runs of a grid, and epochs trained more than once. */
    private Row count(String scenario, ExperimentSpec spec, int faults, String notes) throws Exception {
        List<RunSpec> runs = Specs.runs(spec);
        Map<String, Integer> results = new HashMap<>();
        Map<String, Integer> completions = new HashMap<>();
        Map<String, Integer> epochEvents = new HashMap<>();
        read(Topics.RESULTS, n -> spec.name().equals(n.path("experiment").asText())
                && "metrics".equals(n.path("kind").asText()))
                .forEach(n -> results.merge(n.get("runId").asText(), 1, Integer::sum));
        for (JsonNode n : read(Topics.EVENTS, n -> spec.name().equals(n.path("experiment").asText()))) {
            String type = n.path("type").asText();
            if (type.equals("completed")) {
                completions.merge(n.get("runId").asText(), 1, Integer::sum);
            } else if (type.equals("epoch")) {
                epochEvents.merge(n.get("runId").asText(), 1, Integer::sum);
            }
        }
        int completed = 0;
        int lost = 0;
        int duplicated = 0;
        int redone = 0;
        for (RunSpec r : runs) {
            int res = results.getOrDefault(r.runId(), 0);
            completed += res > 0 ? 1 : 0;
            lost += res == 0 ? 1 : 0;
            duplicated += res > 1 || completions.getOrDefault(r.runId(), 0) > 1 ? 1 : 0;
            int expected = epochs * (r.variant().graph().teacher() == org.kdml.spec.TeacherTraining.FROZEN ? 2 : 1);
            redone += Math.max(0, epochEvents.getOrDefault(r.runId(), 0) - expected);
        }
        long crashes = stack.orchestrator().restarts();
        return new Row(scenario, faults, runs.size(), completed, lost, duplicated, 0, crashes,
                notes + (redone > 0 || scenario.startsWith("kill") ? "; epochs re-done after resume: " + redone : ""));
    }

    private Row kills(int runs, int kills, Map<String, String> env) throws Exception {
        int seeds = Math.max(1, runs / 4);
        String seedList = java.util.stream.IntStream.rangeClosed(1, seeds).mapToObj(String::valueOf)
                .reduce((a, b) -> a + ", " + b).orElse("1");
        ExperimentSpec spec = Specs.parse(spec("chaos-kill", "[kd-off, kd-on, ml, kd-ml]", "[v3]", "[" + seedList
                + "]", 300), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<String> seen = new HashSet<>();
        String[] moments = {"checkpointed", "completed", "random"};
        for (int k = 0; k < kills; k++) {
            String moment = moments[k % moments.length];
            if (moment.equals("random")) {
                Thread.sleep(1_000 + random.nextInt(6_000));
            } else {
                awaitEvent(in("chaos-kill", moment), seen);
            }
            killOne(env, moment.equals("random") ? "at a random moment"
                    : moment.equals("checkpointed") ? "right after a checkpoint, while the next epoch trains and uploads"
                            : "right after a completion");
        }
        awaitGrid(spec);
        return count("kill -9 workers", spec, kills, "moments: after checkpoint, after completion, random");
    }

    private Row outages(int s3Seconds) throws Exception {
        ExperimentSpec spec = Specs.parse(spec("chaos-outage", "[kd-ml, ml]", "[v1, v3]", "[1]", 300), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<String> seen = new HashSet<>();
        awaitEvent(in("chaos-outage", "checkpointed"), seen);
        out.println("chaos: restarting the Kafka broker");
        stack.restartKafka();
        awaitEvent(in("chaos-outage", "checkpointed"), seen);
        out.println("chaos: stopping S3 for " + s3Seconds + " s");
        stack.stopS3();
        Thread.sleep(s3Seconds * 1000L);
        stack.startS3();
        awaitGrid(spec);
        return count("broker restart + S3 outage " + s3Seconds + " s", spec, 2, "");
    }

    private Row corrupt(Map<String, String> env) throws Exception {
        ExperimentSpec spec = Specs.parse(spec("chaos-corrupt", "[kd-ml]", "[v3]", "[5]", 300)
                .replace("epochs: " + epochs + ",", "epochs: " + Math.max(4, epochs + 1) + ","), "chaos");
        RunSpec run = Specs.runs(spec).get(0);
        String prefix = CheckpointStore.runPrefix(spec.name(), run.runId());
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<String> seen = new HashSet<>();
        JsonNode ev;
        do {
            ev = awaitEvent(in("chaos-corrupt", "checkpointed"), seen);
        } while (ev.path("epoch").asInt() < 2);
        // Stop every worker, flip a byte in the newest checkpoint, start them again.
        for (Process p : new ArrayList<>(workers)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        int n = workers.size();
        workers.clear();
        String corrupted;
        try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(30))) {
            List<String> good = store.epochCheckpoints(prefix);
            corrupted = good.get(good.size() - 1);
            byte[] b = store.getBytes(corrupted + "s1.params");
            b[b.length / 2] ^= 0x10;
            store.putBytes(corrupted + "s1.params", b);
        }
        out.println("chaos: flipped a byte of " + corrupted + "s1.params");
        for (int i = 0; i < n; i++) {
            startWorker(env);
        }
        awaitGrid(spec);
        boolean refused = read(Topics.EVENTS, in("chaos-corrupt", "started")).stream()
                .anyMatch(e -> e.path("reason").asText().startsWith("checkpoint refused: " + corrupted));
        return count("corrupt checkpoint", spec, 1, refused ? "refused by its SHA-256, fell back to the previous"
                : "NOT detected");
    }

    private Row refusedWrites(Map<String, String> env) throws Exception {
        ExperimentSpec spec = Specs.parse(spec("chaos-refused", "[ml]", "[v1]", "[2]", 300)
                .replace("epochs: " + epochs + ",", "epochs: " + Math.max(6, epochs) + ","), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        awaitEvent(in("chaos-refused", "started"), new HashSet<>());
        out.println("chaos: S3 refuses writes (stopped) for 25 s");
        stack.stopS3();
        Thread.sleep(25_000);
        stack.startS3();
        awaitGrid(spec);
        long failedEvents = read(Topics.EVENTS, in("chaos-refused", "failed")).size();
        return count("S3 refusing writes", spec, 1, failedEvents + " failed event(s) with reason, then retried");
    }

    private Row poison() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty-pcam"));
        ExperimentSpec bad = Specs.parse(String.join("\n", "name: chaos-poison",
                "dataset: {kind: pcam, root: " + empty + ", imageSize: 32}", "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [ml]", "versions: [v1]", "seeds: [1]", "training: {epochs: 1, batchSize: 16}", ""), "chaos");
        ExperimentSpec after = Specs.parse(spec("chaos-after-poison", "[ml]", "[v1]", "[1]", 200), "chaos");
        publish(Specs.canonicalJson(bad).getBytes(StandardCharsets.UTF_8));
        publish(Specs.canonicalJson(after).getBytes(StandardCharsets.UTF_8));
        awaitGrid(after);
        awaitGrid(bad);
        List<JsonNode> failed = read(Topics.EVENTS, in("chaos-poison", "failed"));
        Row r = count("poison run", after, 1, "");
        boolean parked = failed.stream().anyMatch(e -> e.path("reason").asText().contains("giving up"));
        return new Row("poison run", 1, 2, r.completed, r.lost, r.duplicated, 0, r.crashes,
                failed.size() + " attempts, " + (parked ? "parked as failed" : "NOT parked")
                        + "; the run after it completed: " + (r.completed == 1));
    }

    private Row fuzz(int n) throws Exception {
        long before = stack.orchestrator().accepted() + stack.orchestrator().rejected();
        long rejectedBefore = stack.orchestrator().rejected();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.config().bootstrap(), "max.request.size", 4_000_000, "linger.ms", 5), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(Topics.SPECS, null, SpecFuzzer.mutate(random.nextLong(), i)));
            }
            p.flush();
        }
        ExperimentSpec after = Specs.parse(spec("chaos-after-fuzz", "[ml]", "[v1]", "[1]", 200), "chaos");
        publish(Specs.canonicalJson(after).getBytes(StandardCharsets.UTF_8));
        awaitGrid(after);
        long processed = stack.orchestrator().accepted() + stack.orchestrator().rejected() - before;
        long rejected = stack.orchestrator().rejected() - rejectedBefore;
        Row r = count("spec fuzzing", after, 0, "");
        return new Row("spec fuzzing (" + n + " mutated specs)", n, 1, r.completed, r.lost, r.duplicated, rejected,
                stack.orchestrator().restarts(), processed + " processed; every rejection on kdml.dlq with its field;"
                        + " the valid spec after them completed: " + (r.completed == 1));
    }

    /** Occurrences of the secret in the captured output, worker logs, every topic and every manifest. */
    private long secretLeaks(String captured) throws Exception {
        long count = occurrences(captured);
        for (Path log : logs) {
            if (Files.exists(log)) {
                count += occurrences(Files.readString(log, StandardCharsets.ISO_8859_1));
            }
        }
        for (String topic : Topics.ALL) {
            for (ConsumerRecord<String, byte[]> r : Clients.readAll(stack.config().bootstrap(), topic,
                    Duration.ofMinutes(2))) {
                count += r.value() == null ? 0 : occurrences(new String(r.value(), StandardCharsets.ISO_8859_1));
            }
        }
        try (Stream<Path> s = Files.walk(dir.resolve("stack").resolve("s3"))) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                count += occurrences(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return count;
    }

    private long occurrences(String text) {
        long c = 0;
        for (int i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
            c++;
        }
        return c;
    }
}
