package org.kdml.reporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.kdml.report.Report;
import org.kdml.results.CkaResult;
import org.kdml.results.ReportResult;
import org.kdml.results.RunResult;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.DeadLetter;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunFolders;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.ServiceLoop;
import org.kdml.pipeline.Topic;
import org.kdml.pipeline.Topics;
import org.kdml.pipeline.state.ExperimentState;
import org.kdml.spec.RunLayout;
import org.kdml.results.RunFolder;

/**
 * The reporter: once every run of an experiment has its metrics and its CKA (or was parked as
 * failed), it writes the experiment's report, the one {@code kdml report} writes (md, csv, html
 * with its curves, heatmaps and hardest-image grids), to S3 under {@link RunKeys#reportPrefix},
 * and publishes a {@code report} result keyed by the experiment. The view shows where it is
 * ({@code kdml status}, the dashboard).
 *
 * <p>It keeps no offsets: each life reads {@code kdml.runs}, {@code kdml.events} and
 * {@code kdml.results} from their beginning (read-committed), folds them per experiment, and only
 * once caught up with the ends it found reports what is due. A report already published for the
 * same runs is not written again, so a restart adds nothing; a report for new runs of the
 * experiment (a spec submitted again with more seeds) replaces it. An experiment it cannot report
 * goes to {@code kdml.dlq} with the reason, once, and the reporter goes on.
 */
public final class Reporter extends ServiceLoop implements AutoCloseable {

    /** The service's name in dead letters and logs. */
    public static final String SERVICE = "reporter";

    private final PipelineConfig config;
    private final AtomicLong reports = new AtomicLong();

    /** @param config Kafka, S3 and the scratch folder */
    public Reporter(PipelineConfig config) {
        super("kdml-reporter");
        this.config = config;
    }

    /** Starts the reporter on its own thread. */
    public Reporter start() {
        startLoop();
        return this;
    }

    /** @return reports this reporter published */
    public long reports() {
        return reports.get();
    }

    /**
     * One experiment: its fold ({@link ExperimentState}, the one every reader uses) and, beside it,
     * the records a report is written from.
     */
    private static final class Experiment {
        final String name;
        final ExperimentState state = new ExperimentState();
        final Map<String, RunResult> metrics = new LinkedHashMap<>();
        final Map<String, CkaResult> cka = new HashMap<>();
        /** The runs and failures a report was refused for (dead-lettered), or null. */
        String refused;

        Experiment(String name) {
            this.name = name;
        }

        /** @return whether every run is in (metrics and CKA) or parked, and no report covers them yet */
        boolean due() {
            if (!state.complete()) {
                return false;
            }
            String c = state.covers();
            return !c.equals(state.reportCovers()) && !c.equals(refused);
        }
    }

    @Override
    protected void loop() {
        Map<String, Experiment> experiments = new HashMap<>();
        Set<String> touched = new LinkedHashSet<>();
        List<Topic<?>> topics = List.of(Topics.RUNS, Topics.EVENTS, Topics.RESULTS);
        try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(config.bootstrap(), null, 500, 300_000);
                KafkaProducer<String, String> producer = Clients.producer(config.bootstrap(), null);
                CheckpointStore store = new CheckpointStore(config, Duration.ofMinutes(2))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (Topic<?> t : topics) {
                consumer.partitionsFor(t.name(), Duration.ofMinutes(1))
                        .forEach(p -> parts.add(new TopicPartition(t.name(), p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofMinutes(1));
            boolean caughtUp = false;
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    fold(r, experiments, touched);
                }
                if (!caughtUp) {
                    caughtUp = parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
                }
                if (caughtUp) {
                    for (String name : List.copyOf(touched)) {
                        Experiment e = experiments.get(name);
                        if (e != null && e.due()) {
                            report(e, store, producer);
                        }
                    }
                    touched.clear();
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fold(ConsumerRecord<String, byte[]> r, Map<String, Experiment> experiments,
            Set<String> touched) {
        try {
            String experiment;
            if (r.topic().equals(Topics.RUNS.name())) {
                RunMessage m = Topics.RUNS.parse(r.value());
                experiment = m.experiment();
                experiments.computeIfAbsent(experiment, Experiment::new).state.apply(m);
            } else if (r.topic().equals(Topics.EVENTS.name())) {
                RunEvent ev = Topics.EVENTS.parse(r.value());
                experiment = ev.experiment();
                experiments.computeIfAbsent(experiment, Experiment::new).state.apply(ev);
            } else {
                ResultMessage m = Topics.RESULTS.parse(r.value());
                experiment = m.experiment();
                Experiment e = experiments.computeIfAbsent(experiment, Experiment::new);
                e.state.apply(m);
                if (m.payload() instanceof RunResult result) {
                    e.metrics.put(m.runId(), result);
                } else if (m.payload() instanceof CkaResult cka) {
                    e.cka.put(m.runId(), cka);
                }
            }
            touched.add(experiment);
        } catch (IOException | RuntimeException bad) {
            // Not a message of its topic: its producer or reader reports it; a report needs none of it.
        }
    }

    /** Builds the report in a scratch folder, uploads it, and publishes where it is. */
    private void report(Experiment e, CheckpointStore store, KafkaProducer<String, String> producer) {
        long t0 = System.nanoTime();
        String covers = e.state.covers();
        Path tmp = null;
        try {
            Files.createDirectories(config.work());
            tmp = Files.createTempDirectory(config.work(), "report-");
            for (Map.Entry<String, RunResult> m : e.metrics.entrySet()) {
                RunFolders.write(store, e.name, m.getKey(), m.getValue(), e.cka.get(m.getKey()), null, tmp);
            }
            Path dir = tmp.resolve(e.name);
            Report report = Report.load(dir);
            Path target = dir.resolve(RunLayout.REPORT_DIR);
            Files.createDirectories(target);
            Files.writeString(target.resolve(RunLayout.report("md")), report.markdown());
            Files.writeString(target.resolve(RunLayout.report("csv")), report.csv());
            String methods = report.methodsCsv();
            if (!methods.isEmpty()) {
                Files.writeString(target.resolve(RunLayout.METHODS_CSV), methods);
            }
            String claims = report.claimsCsv();
            if (!claims.isEmpty()) {
                Files.writeString(target.resolve(RunLayout.CLAIMS_CSV), claims);
            }
            report.html(dir, target);
            String prefix = RunKeys.reportPrefix(e.name);
            Map<String, String> files = new LinkedHashMap<>();
            // The report's own files and every image it shows, by their paths relative to the
            // experiment's folder, so that the HTML's relative links hold in S3 too; the result
            // lists the report's files (md, csv, html), not its images.
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                    String rel = dir.relativize(f).toString().replace('\\', '/');
                    boolean own = f.getParent().equals(target);
                    if (!own && !rel.endsWith(".png")) {
                        continue;
                    }
                    store.putBytes(prefix + rel, Files.readAllBytes(f));
                    if (own && !rel.endsWith(".png")) {
                        files.put(f.getFileName().toString(), config.bucket() + "/" + prefix + rel);
                    }
                }
            }
            ReportResult result = new ReportResult(config.bucket() + "/" + prefix, files, covers, e.metrics.size(),
                    e.state.parked().size());
            ResultMessage m = new ResultMessage(ResultKind.REPORT, null, e.name, null, 0, 0, result,
                    System.currentTimeMillis(), (System.nanoTime() - t0) / 1e9);
            producer.send(Topics.RESULTS.record(e.name, m)).get();
            // Folded now, not when read back: the experiment is not due again meanwhile.
            e.state.apply(m);
            reports.incrementAndGet();
            System.err.println("reporter: report of " + e.name + " (" + e.metrics.size() + " runs) at "
                    + result.files().get(RunLayout.report("html")));
        } catch (Exception ex) {
            if (!running.get()) {
                return;
            }
            // A report that cannot be built is reported, not retried in a loop: the next result of the
            // experiment (or a restart) tries again.
            e.refused = covers;
            String reason = "report of experiment '" + e.name + "': " + ex.getClass().getSimpleName() + ": "
                    + ex.getMessage();
            System.err.println("reporter: " + reason);
            producer.send(Topics.DLQ.record(e.name, new DeadLetter(Topics.RESULTS.name(), -1, -1, "experiment", reason,
                    e.name, SERVICE, System.currentTimeMillis())));
        } finally {
            if (tmp != null) {
                try {
                    RunFolder.deleteTree(tmp);
                } catch (IOException ignored) {
                    // Scratch: the next life's folder is a new one.
                }
            }
        }
    }

    /** Stops after the report in progress. */
    @Override
    public void close() throws InterruptedException {
        stopLoop(120_000);
    }
}
