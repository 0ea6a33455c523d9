package org.kdml.mlflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.results.ClassificationMetrics;
import org.kdml.results.CkaResult;
import org.kdml.results.EpochRecord;
import org.kdml.results.NetworkResult;
import org.kdml.results.ReportResult;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherTraining;

/**
 * The messages runs of the quick start ({@code examples/quickstart.yaml}) put on the topics, as
 * the orchestrator, a worker, the evaluator and the analyzer write them, with made-up numbers that
 * are easy to check by hand: train term {@code t} of epoch {@code e} is {@code 1/e}, validation
 * score of epoch {@code e} is {@code 0.5 + e/100}, test accuracy of every network is 0.9.
 */
final class QuickStartMessages {

    /** The time of the first message; each further message is 1 s later. */
    static final long T0 = 1_760_000_000_000L;

    /** A message and its topic (events or results) or a run for {@code kdml.runs}. */
    record Sent(RunMessage run, RunEvent event, ResultMessage result) {
    }

    private QuickStartMessages() {
    }

    /** @return the quick start's spec, named {@code experiment} */
    static ExperimentSpec spec(String experiment) throws IOException {
        String text = Files.readString(Path.of("..", "examples", "quickstart.yaml"))
                .replace("\nname: quickstart\n", "\nname: " + experiment + "\n");
        return Specs.parse(text, "quickstart.yaml");
    }

    /** @return the quick start's run of {@code variant} with {@code seed}, as its message on {@code kdml.runs} */
    static RunMessage run(String variant, long seed) throws IOException {
        return run("quickstart", variant, seed);
    }

    /** @return the run of {@code variant} with {@code seed} of the quick start named {@code experiment} */
    static RunMessage run(String experiment, String variant, long seed) throws IOException {
        List<RunSpec> runs = Specs.runs(spec(experiment));
        for (int i = 0; i < runs.size(); i++) {
            RunSpec r = runs.get(i);
            if (r.variant().key().equals(variant) && r.seed() == seed) {
                return RunMessage.of(r, i + 1, runs.size());
            }
        }
        throw new IllegalArgumentException("variant: no run " + variant + " seed " + seed + " in the quick start");
    }

    /** @return whether {@code run} has the teacher's own phase (KD off) */
    static boolean teacherPhase(RunMessage run) {
        return run.run().variant().graph().teacher() == TeacherTraining.FROZEN;
    }

    /** @return the train terms of {@code run} in {@code phase}, as the engine names them */
    static List<String> terms(RunMessage run, Phase phase) {
        if (phase == Phase.TEACHER) {
            return List.of("teacher/task", "teacher/total");
        }
        SharingGraph g = run.run().variant().graph();
        List<String> out = new ArrayList<>();
        for (String node : List.of("s1", "s2")) {
            out.add(node + "/task");
            g.edges().stream().filter(e -> e.to().equals(node)).forEach(e -> out.add(node + "/" + e.termName()));
            out.add(node + "/total");
        }
        return out;
    }

    /** An {@code epoch} event of {@code run}. */
    static RunEvent epoch(RunMessage run, Phase phase, int epoch, int epochs, long time) {
        Map<String, Double> train = new LinkedHashMap<>();
        terms(run, phase).forEach(t -> train.put(t, 1.0 / epoch));
        Map<String, Double> validation = new LinkedHashMap<>();
        for (String net : List.of("teacher", "s1", "s2", "ensemble")) {
            validation.put(net, 0.5 + epoch / 100.0);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train", train);
        metrics.put("validation", validation);
        metrics.put("seconds", 2.0);
        return at(RunEvent.of(EventType.EPOCH, run, 1, "it-worker", null).withEpoch(phase, epoch, epochs, metrics),
                time);
    }

    /** The reporter's {@code report} result of {@code experiment}: keyed by the experiment, no run id. */
    static ResultMessage report(String experiment, long time) {
        String prefix = PipelineConfig.BUCKET + "/" + RunKeys.reportPrefix(experiment);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("report.html", prefix + "report/report.html");
        files.put("report.md", prefix + "report/report.md");
        return new ResultMessage(ResultKind.REPORT, null, experiment, null, 0, 0,
                new ReportResult(prefix, files, null, 2, 0), time, 1.0);
    }

    /** Every message of one run, in the order the pipeline writes them, from {@code time} on, 1 s apart. */
    static List<Sent> all(RunMessage run, long time) {
        List<Sent> out = new ArrayList<>();
        long[] t = {time};
        out.add(new Sent(run, null, null));
        out.add(event(at(RunEvent.of(EventType.QUEUED, run, 0, null, null), t[0]++)));
        out.add(event(at(RunEvent.of(EventType.STARTED, run, 1, "it-worker", null), t[0]++)));
        int teacherEpochs = run.run().spec().training().teacherEpochs();
        int epochs = run.run().spec().training().epochs();
        List<EpochRecord> history = new ArrayList<>();
        if (teacherPhase(run)) {
            for (int e = 1; e <= teacherEpochs; e++) {
                RunEvent ev = epoch(run, Phase.TEACHER, e, teacherEpochs, t[0]++);
                out.add(event(ev));
                history.add(ev.epochRecord().orElseThrow());
            }
        }
        for (int e = 1; e <= epochs; e++) {
            RunEvent ev = epoch(run, Phase.JOINT, e, epochs, t[0]++);
            out.add(event(ev));
            history.add(ev.epochRecord().orElseThrow());
            out.add(event(at(RunEvent.of(EventType.CHECKPOINTED, run, 1, "it-worker", null).withEpoch(Phase.JOINT, e,
                    0, Map.of("checkpoint", "kdml-checkpoints/" + RunKeys.of(run).epoch(Phase.JOINT, e))), t[0]++)));
        }
        out.add(event(at(RunEvent.of(EventType.COMPLETED, run, 1, "it-worker", null).withEpoch(null, 0, 0,
                Map.of("checkpoint", PipelineConfig.BUCKET + "/" + RunKeys.of(run).finalCheckpoint())), t[0]++)));
        out.add(new Sent(null, null, metrics(run, history, t[0]++)));
        out.add(new Sent(null, null, cka(run, t[0]++)));
        return out;
    }

    /** The evaluator's {@code metrics} result: test accuracy 0.9 (AUC undefined for s2), fidelity 0.95, the history. */
    static ResultMessage metrics(RunMessage run, List<EpochRecord> history, long time) {
        Map<String, NetworkResult> networks = new LinkedHashMap<>();
        for (String net : List.of("teacher", "s1", "s2", "ensemble")) {
            ClassificationMetrics test = new ClassificationMetrics(0.9, 0.8, 0.7, 0.75, net.equals("s2") ? null : 0.95,
                    new long[][] {{9, 1}, {1, 9}});
            networks.put(net, new NetworkResult(net.equals("teacher") ? "resnet50-tiny" : "resnet18-tiny", 0, 1, 0.9,
                    test, null, net.equals("teacher") ? null : 0.95));
        }
        RunResult result = RunResult.builder(run.runId(), run.experiment(), run.variant(), run.seed())
                .teacherTraining("joint").networks(networks).history(history).build();
        return new ResultMessage(ResultKind.METRICS, run.runId(), run.experiment(), run.variant(), run.seed(), 1,
                result, time, 3.0);
    }

    /** The analyzer's {@code cka} result: one pair per network pair, each with its heatmap's key. */
    static ResultMessage cka(RunMessage run, long time) {
        Map<String, CkaResult.Pair> pairs = new LinkedHashMap<>();
        for (String pair : List.of("teacher-s1", "teacher-s2", "s1-s2")) {
            pairs.put(pair, new CkaResult.Pair(List.of("a"), List.of("b"), List.of(List.of(0.5)), List.of(),
                    PipelineConfig.BUCKET + "/" + RunKeys.of(run).heatmap(pair)));
        }
        CkaResult cka = new CkaResult(CkaResult.method(8), Map.of(), pairs, 8, 4.0);
        return new ResultMessage(ResultKind.CKA, run.runId(), run.experiment(), run.variant(), run.seed(), 1, cka,
                time, 4.0);
    }

    private static Sent event(RunEvent e) {
        return new Sent(null, e, null);
    }

    private static RunEvent at(RunEvent e, long time) {
        return e.toBuilder().time(time).build();
    }
}
