package org.kdml.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.kdml.embedded.Await;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunPosition;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;
import org.kdml.pipeline.state.ExperimentState;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherTraining;
import org.kdml.worker.TrainerWorker;
import org.kdml.results.RunFolder;

/**
 * {@code kdml chaos}: the fault-injection suite. Starts the embedded stack with no in-process
 * worker, runs separate {@code kdml worker} processes, and injects faults scenario by scenario:
 * kill -9 of workers (at a checkpoint, right after a completion, at random moments), SIGTERM of
 * busy workers at random moments (an autoscaler's scale-in: each must stop gracefully), a broker
 * restart and an S3 outage mid-grid, a corrupted checkpoint, S3 refusing writes, spec fuzzing and
 * a poison run. Prints a table of scenarios × (faults, runs, completed, lost, duplicated, inputs
 * rejected, crashes) and checks that the secret appears in no output.
 */
public final class Chaos {

    /** One row of the table. */
    public record Row(String scenario, int faults, int runs, int completed, int lost, int duplicated, long rejected,
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
    private final Map<String, Process> byId = new HashMap<>();
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

    /** What {@code kdml chaos} was asked for (see {@code kdml chaos}). */
    public record Options(int runs, int kills, int sigterms, int workers, int fuzz, int s3OutageSeconds, int epochs, long seed,
            long timeoutMinutes, Path report) {
    }

    public static int run(Options options, PrintStream out) throws Exception {
        int runs = options.runs();
        int kills = options.kills();
        int sigterms = options.sigterms();
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
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new OutputStream() {
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
        try (Stack stack = new Stack(Stack.Settings.in(dir.resolve("stack"))).start(env)) {
            Chaos c = new Chaos(stack, dir, seed, epochs, secret, Duration.ofMinutes(minutes), tee);
            try {
                for (int i = 0; i < nWorkers; i++) {
                    c.startWorker(env);
                }
                rows.add(c.kills(runs, kills, env));
                rows.add(c.sigterms(runs, sigterms, env));
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
            RunFolder.deleteTree(dir);
        }
    }

    public static String table(List<Row> rows, long leaks, int secretLength) {
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
        byId.put("chaos-w" + n, p);
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

    private void publish(byte[] value) {
        Clients.publishBytes(stack.config().bootstrap(), Topics.SPECS, List.of(value));
    }

    /** The committed events that {@code filter} selects. */
    private List<RunEvent> events(Predicate<RunEvent> filter) {
        return Clients.values(stack.config().bootstrap(), Topics.EVENTS, Duration.ofMinutes(2)).stream()
                .filter(filter).toList();
    }

    /** The committed results that {@code filter} selects. */
    private List<ResultMessage> results(Predicate<ResultMessage> filter) {
        return Clients.values(stack.config().bootstrap(), Topics.RESULTS, Duration.ofMinutes(2)).stream()
                .filter(filter).toList();
    }

    /** Waits for an event {@code filter} selects that is not in {@code seen} (and adds it there). */
    private RunEvent awaitEvent(Predicate<RunEvent> filter, Set<RunEvent> seen) {
        RunEvent[] found = new RunEvent[1];
        Await.until(() -> {
            for (RunEvent e : events(filter)) {
                if (seen.add(e)) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        }, timeout, "chaos: a matching event");
        return found[0];
    }

    private static Predicate<RunEvent> in(String experiment, EventType type) {
        return e -> experiment.equals(e.experiment()) && e.type() == type;
    }

    /** The runs of {@code experiment} that are finished (metrics in, or parked as failed), as the shared fold says. */
    private Set<String> finished(String experiment) {
        ExperimentState state = new ExperimentState();
        events(e -> experiment.equals(e.experiment())).forEach(state::apply);
        results(m -> experiment.equals(m.experiment())).forEach(state::apply);
        return state.finished();
    }

    /** Waits until every run of {@code spec} has a metrics result (or is parked as failed). */
    private void awaitGrid(ExperimentSpec spec) {
        List<RunSpec> runs = Specs.runs(spec);
        int[] seen = new int[2];
        Await.until(() -> {
            Set<String> done = finished(spec.name());
            seen[0] = done.size();
            seen[1] = events(e -> spec.name().equals(e.experiment())).size();
            return runs.stream().allMatch(r -> done.contains(r.runId()));
        }, () -> seen[1], timeout, () -> "chaos: every run of " + spec.name() + " finished (" + seen[0] + " of "
                + runs.size() + " so far)");
    }


    /** Completed, lost and duplicated runs of a grid, and epochs trained more than once. */
    private Row count(String scenario, ExperimentSpec spec, int faults, String notes) throws Exception {
        List<RunSpec> runs = Specs.runs(spec);
        Map<String, Integer> results = new HashMap<>();
        Map<String, Integer> completions = new HashMap<>();
        Map<String, Integer> epochEvents = new HashMap<>();
        results(m -> spec.name().equals(m.experiment()) && m.kind() == ResultKind.METRICS)
                .forEach(m -> results.merge(m.runId(), 1, Integer::sum));
        for (RunEvent e : events(e -> spec.name().equals(e.experiment()))) {
            if (e.type() == EventType.COMPLETED) {
                completions.merge(e.runId(), 1, Integer::sum);
            } else if (e.type() == EventType.EPOCH) {
                epochEvents.merge(e.runId(), 1, Integer::sum);
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
            int expected = r.spec().training().epochs() + (r.variant().graph().teacher() == TeacherTraining.FROZEN
                    ? r.spec().training().teacherEpochs() : 0);
            redone += Math.max(0, epochEvents.getOrDefault(r.runId(), 0) - expected);
        }
        long crashes = stack.orchestrator().restarts();
        return new Row(scenario, faults, runs.size(), completed, lost, duplicated, 0, crashes,
                notes + (redone > 0 || scenario.startsWith("kill") ? "; epochs re-done after resume: " + redone : ""));
    }

    private Row kills(int runs, int kills, Map<String, String> env) throws Exception {
        int seeds = Math.max(1, runs / 4);
        String seedList = IntStream.rangeClosed(1, seeds).mapToObj(String::valueOf)
                .reduce((a, b) -> a + ", " + b).orElse("1");
        ExperimentSpec spec = Specs.parse(spec("chaos-kill", "[kd-off, kd-on, ml, kd-ml]", "[v3]", "[" + seedList
                + "]", 300), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<RunEvent> seen = new HashSet<>();
        String[] moments = {"checkpointed", "completed", "random"};
        for (int k = 0; k < kills; k++) {
            String moment = moments[k % moments.length];
            if (moment.equals("random")) {
                Thread.sleep(1_000 + random.nextInt(6_000));
            } else {
                awaitEvent(in("chaos-kill", EventType.of(moment)), seen);
            }
            killOne(env, moment.equals("random") ? "at a random moment"
                    : moment.equals("checkpointed") ? "right after a checkpoint, while the next epoch trains and uploads"
                            : "right after a completion");
        }
        awaitGrid(spec);
        return count("kill -9 workers", spec, kills, "moments: after checkpoint, after completion, random");
    }

    /**
     * SIGTERM, at random moments, to the worker that just reported an epoch (so busy training), as
     * an autoscaler scaling in does; each must stop within its grace period with a checkpoint of
     * exactly where it was, and the run resumes elsewhere with no step trained twice.
     */
    private Row sigterms(int runs, int sigterms, Map<String, String> env) throws Exception {
        int seeds = Math.max(1, runs / 4);
        String seedList = IntStream.rangeClosed(1, seeds).mapToObj(String::valueOf)
                .reduce((a, b) -> a + ", " + b).orElse("1");
        String name = "chaos-sigterm";
        // Longer runs than the kill scenario's, so that a signal after an epoch usually finds the run training.
        ExperimentSpec spec = Specs.parse(spec(name, "[kd-off, kd-on, ml, kd-ml]", "[v3]", "[" + seedList + "]", 300)
                .replace("epochs: " + epochs + ",", "epochs: " + (epochs + 2) + ","), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<RunEvent> seen = new HashSet<>();
        double slowest = 0;
        for (int k = 0; k < sigterms; k++) {
            // An epoch with another after it: the worker is still training when the signal comes.
            RunEvent busy = awaitEvent(in(name, EventType.EPOCH).and(e -> e.phase() == Phase.TEACHER
                    || e.epoch() < e.epochs()), seen);
            Thread.sleep(random.nextInt(500));
            Process victim = byId.get(busy.worker());
            if (victim == null || !victim.isAlive()) {
                k--;
                continue;
            }
            long t0 = System.nanoTime();
            victim.destroy();
            if (!victim.waitFor(TrainerWorker.GRACE.toSeconds() + 30, TimeUnit.SECONDS)) {
                out.println("chaos: worker " + busy.worker() + " did not exit after SIGTERM; killing it");
                victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            slowest = Math.max(slowest, s);
            workers.remove(victim);
            out.printf("chaos: SIGTERM to worker %s (pid %d) at a random moment of run %s; it exited in %.1f s;"
                    + " starting another%n", busy.worker(), victim.pid(), busy.runId(), s);
            startWorker(env);
        }
        awaitGrid(spec);
        List<RunEvent> all = events(e -> name.equals(e.experiment()));
        int stops = 0;
        long redone = 0;
        for (int i = 0; i < all.size(); i++) {
            RunEvent stop = all.get(i);
            if (stop.type() != EventType.STOPPED) {
                continue;
            }
            stops++;
            redone += stepsRedone(stop, all.subList(i + 1, all.size()));
        }
        Row r = count("SIGTERM workers (scale-in)", spec, sigterms, "");
        return new Row(r.scenario, r.faults, r.runs, r.completed, r.lost, r.duplicated, r.rejected, r.crashes,
                String.format("%d stopped mid-run, each with a checkpoint of its step; slowest exit %.1f s (grace %d s);"
                        + " steps re-done after resume: %d%s", stops, slowest, TrainerWorker.GRACE.toSeconds(), redone,
                        r.notes.isEmpty() ? "" : r.notes));
    }

    /**
     * Steps trained twice after {@code stop}: 0 when the run's next start resumed from the stop's
     * own checkpoint; otherwise the steps between the state it resumed from (or the start) and the
     * stop, counted with the stop's steps per epoch.
     */
    private static long stepsRedone(RunEvent stop, List<RunEvent> after) {
        RunEvent next = after.stream().filter(e -> e.runId().equals(stop.runId()) && e.type() == EventType.STARTED)
                .findFirst().orElse(null);
        if (next == null) {
            return 0;
        }
        RunPosition at = stop.position();
        RunPosition from = next.position();
        if (from != null && at.checkpoint().endsWith(from.checkpoint())) {
            return 0;
        }
        return at.stepsAfter(from);
    }

    private Row outages(int s3Seconds) throws Exception {
        ExperimentSpec spec = Specs.parse(spec("chaos-outage", "[kd-ml, ml]", "[v1, v3]", "[1]", 300), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<RunEvent> seen = new HashSet<>();
        awaitEvent(in("chaos-outage", EventType.CHECKPOINTED), seen);
        out.println("chaos: restarting the Kafka broker");
        stack.restartKafka();
        awaitEvent(in("chaos-outage", EventType.CHECKPOINTED), seen);
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
        RunKeys keys = new RunKeys(spec.name(), run.runId());
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        Set<RunEvent> seen = new HashSet<>();
        RunEvent ev;
        do {
            ev = awaitEvent(in("chaos-corrupt", EventType.CHECKPOINTED), seen);
        } while (ev.epoch() < 2);
        // Stop every worker, flip a byte in the newest checkpoint, start them again.
        for (Process p : new ArrayList<>(workers)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        int n = workers.size();
        workers.clear();
        String corrupted;
        try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(30))) {
            List<String> good = store.epochCheckpoints(keys);
            corrupted = good.get(good.size() - 1);
            byte[] b = store.getBytes(corrupted + RunLayout.params("s1"));
            b[b.length / 2] ^= 0x10;
            store.putBytes(corrupted + RunLayout.params("s1"), b);
        }
        out.println("chaos: flipped a byte of " + corrupted + RunLayout.params("s1"));
        for (int i = 0; i < n; i++) {
            startWorker(env);
        }
        awaitGrid(spec);
        boolean refused = events(in("chaos-corrupt", EventType.STARTED)).stream()
                .anyMatch(e -> e.reason() != null && e.reason().startsWith("checkpoint refused: " + corrupted));
        return count("corrupt checkpoint", spec, 1, refused ? "refused by its SHA-256, fell back to the previous"
                : "NOT detected");
    }

    private Row refusedWrites(Map<String, String> env) throws Exception {
        ExperimentSpec spec = Specs.parse(spec("chaos-refused", "[ml]", "[v1]", "[2]", 300)
                .replace("epochs: " + epochs + ",", "epochs: " + Math.max(6, epochs) + ","), "chaos");
        publish(Specs.canonicalJson(spec).getBytes(StandardCharsets.UTF_8));
        awaitEvent(in("chaos-refused", EventType.STARTED), new HashSet<>());
        out.println("chaos: S3 refuses writes (stopped) for 25 s");
        stack.stopS3();
        Thread.sleep(25_000);
        stack.startS3();
        awaitGrid(spec);
        long failedEvents = events(in("chaos-refused", EventType.FAILED)).size();
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
        List<RunEvent> failed = events(in("chaos-poison", EventType.FAILED));
        Row r = count("poison run", after, 1, "");
        boolean parked = failed.stream().anyMatch(RunEvent::parked);
        return new Row("poison run", 1, 2, r.completed, r.lost, r.duplicated, 0, r.crashes,
                failed.size() + " attempts, " + (parked ? "parked as failed" : "NOT parked")
                        + "; the run after it completed: " + (r.completed == 1));
    }

    private Row fuzz(int n) throws Exception {
        long before = stack.orchestrator().accepted() + stack.orchestrator().rejected();
        long rejectedBefore = stack.orchestrator().rejected();
        List<byte[]> mutated = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            mutated.add(SpecFuzzer.mutate(random.nextLong(), i));
        }
        Clients.publishBytes(stack.config().bootstrap(), Topics.SPECS, mutated);
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
        for (Topic<?> topic : Topics.ALL) {
            for (byte[] v : Clients.rawValues(stack.config().bootstrap(), topic, Duration.ofMinutes(2))) {
                count += v == null ? 0 : occurrences(new String(v, StandardCharsets.ISO_8859_1));
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
