package org.kdml.pipeline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.RunPosition;
import org.kdml.pipeline.Topics;
import org.kdml.results.CkaResult;
import org.kdml.results.ExportResult;
import org.kdml.results.ReportResult;
import org.kdml.results.RunResult;
import org.kdml.spec.Phase;

/** The fold of typed events and results, with hand-computed curves, ETA and heatmap keys. */
class ExperimentStateTest {

    private static RunEvent event(EventType type, long time, Phase phase, Integer epoch, Integer epochs,
            Map<String, Object> metrics, Boolean retrying) {
        return RunEvent.builder(type, "r1", "exp").variant("kd-ml-v3").seed(7).attempt(1).worker("w1")
                .epoch(phase, epoch, epochs).metrics(metrics).retrying(retrying).index(1).total(2).time(time).build();
    }

    @Test
    void foldsCurveEtaAndHeatmaps() {
        ExperimentState s = new ExperimentState();
        s.apply(event(EventType.QUEUED, 0, null, null, null, null, null));
        s.apply(event(EventType.STARTED, 1_000, null, null, null, null, null));
        s.apply(event(EventType.EPOCH, 3_000, Phase.JOINT, 1, 5, Map.of("validation", Map.of("s1", 0.6, "ensemble", 0.7)),
                null));
        s.apply(event(EventType.EPOCH, 5_000, Phase.JOINT, 2, 5, Map.of("validation", Map.of("s1", 0.8)), null));
        ExperimentStatus.Row row = s.status().runs().get(0);
        assertEquals(RunStatus.RUNNING, row.state());
        assertEquals("joint 2/5", row.progress());
        // Two epochs in 4 s since the start: 2 s each, 3 left in the phase.
        assertEquals(6.0, row.etaSeconds(), 1e-12);
        assertEquals(0.8, row.validation(), 1e-12);
        assertEquals(List.of(1.0, 0.7), List.of(row.curve().get(0)[0], row.curve().get(0)[1]));
        assertEquals(2, s.status().total());

        CkaResult cka = new CkaResult("minibatch", Map.of("teacher", "resnet50", "s1", "resnet18"),
                Map.of("teacher-s1", new CkaResult.Pair(List.of("t1"), List.of("a1"), List.of(List.of(0.5)), List.of(),
                        "kdml-checkpoints/exp/r1/cka/cka-teacher-s1.png")), 8, 1.0);
        s.apply(new ResultMessage(ResultKind.CKA, "r1", "exp", "kd-ml-v3", 7, 1, cka, 6_000, 1.0));
        s.apply(event(EventType.COMPLETED, 7_000, null, 0, 0, null, null));
        row = s.status().runs().get(0);
        assertEquals(RunStatus.COMPLETED, row.state());
        assertNull(row.etaSeconds());
        assertEquals(Map.of("teacher-s1", "exp/r1/cka/cka-teacher-s1.png"), row.heatmaps());
        assertEquals(1, s.status().cka());
        assertNull(row.exports());
        // An export gives the run its files (keys without the bucket) and leaves its scores and state alone.
        ExportResult export = new ExportResult("s1", Map.of("model.onnx", "kdml-checkpoints/exp/r1/export/model.onnx"),
                Map.of());
        s.apply(new ResultMessage(ResultKind.EXPORT, "r1", "exp", "kd-ml-v3", 7, 1, export, 8_000, 1.0));
        row = s.status().runs().get(0);
        assertEquals(Map.of("model.onnx", "exp/r1/export/model.onnx"), row.exports());
        assertEquals(RunStatus.COMPLETED, row.state());
        assertEquals(1, s.status().cka());
    }

    @Test
    void aRetriedFailureIsNotTheEndAndAStrayChangesNothing() {
        ExperimentState s = new ExperimentState();
        s.apply(event(EventType.FAILED, 1, null, null, null, null, true));
        assertEquals(RunStatus.RETRYING, s.status().runs().get(0).state());
        s.fold("{\"type\":\"exploded\",\"runId\":\"r1\",\"experiment\":\"exp\"}");
        s.fold("not json");
        assertEquals(RunStatus.RETRYING, s.status().runs().get(0).state());
        s.apply(event(EventType.FAILED, 2, null, null, null, null, false));
        assertEquals(RunStatus.FAILED, s.status().runs().get(0).state());
        assertEquals(1, s.status().count(RunStatus.FAILED));
    }

    /** A graceful stop puts the run back in the queue with its reason; the report is the experiment's, not a run's. */
    @Test
    void aStopRequeuesTheRunAndTheReportBelongsToTheExperiment() {
        ExperimentState s = new ExperimentState();
        s.apply(event(EventType.STARTED, 1_000, null, null, null, null, null));
        RunEvent stop = event(EventType.STOPPED, 2_000, Phase.JOINT, 2, 5,
                Map.of("checkpoint", "kdml-checkpoints/exp/r1/epoch-joint-0001-step-000003/", "step", 3, "steps", 9),
                null).toBuilder().reason("run r1 stopped after step 3 of 9 of joint epoch 2 (the worker is stopping)")
                .position(RunPosition.of("kdml-checkpoints/exp/r1/epoch-joint-0001-step-000003/", 9)).build();
        s.apply(stop);
        ExperimentStatus.Row row = s.status().runs().get(0);
        assertEquals(RunStatus.QUEUED, row.state());
        assertEquals(stop.reason(), row.reason());
        assertNull(s.status().report());

        ReportResult report = new ReportResult("kdml-checkpoints/exp/report",
                Map.of("report.html", "kdml-checkpoints/exp/report/report/report.html"), "[r1] failed []", 1, 0);
        String wire = Topics.RESULTS.serialize(new ResultMessage(ResultKind.REPORT, null, "exp", null, 0, 0, report,
                3_000, 1.0));
        assertEquals("exp", Topics.experimentOf(wire), wire);
        s.fold(wire);
        assertEquals(Map.of("report.html", "kdml-checkpoints/exp/report/report/report.html"), s.status().report());
        assertEquals(1, s.status().runs().size(), "no run for the report");
    }

    private static RunEvent of(EventType type, String run, Boolean retrying) {
        return RunEvent.builder(type, run, "exp").variant("kd-ml-v3").seed(1).attempt(1).retrying(retrying).index(1)
                .total(3).time(1).build();
    }

    private static ResultMessage metrics(String run) {
        RunResult result = RunResult.builder(run, "exp", "kd-ml-v3", 1).build();
        return new ResultMessage(ResultKind.METRICS, run, "exp", "kd-ml-v3", 1, 1, result, 2, 1.0);
    }

    private static ResultMessage cka(String run) {
        CkaResult cka = new CkaResult("minibatch", Map.of(), Map.of(), 8, 1.0);
        return new ResultMessage(ResultKind.CKA, run, "exp", "kd-ml-v3", 1, 1, cka, 3, 1.0);
    }

    /**
     * What the reporter and the chaos suite ask of the fold. Three runs published (r1, r2, r3): r1
     * has metrics and CKA, r2 metrics only, r3 was parked after a retried failure. Finished: r1, r2
     * (metrics) and r3 (parked); complete only once r2's CKA is in; covers lists the runs with
     * metrics, then the parked ones, sorted.
     */
    @Test
    void finishedCoversAndCompleteAsAReportNeedsThem() {
        ExperimentState s = new ExperimentState();
        for (String run : List.of("r3", "r1", "r2")) {
            s.apply(new RunMessage(run, "exp", "kd-ml-v3", 1, "h", 1, 3, null));
        }
        assertEquals(3, s.total());
        assertFalse(s.complete(), "nothing in yet");
        s.apply(metrics("r1")).apply(cka("r1")).apply(metrics("r2"));
        s.apply(of(EventType.FAILED, "r3", true));
        assertEquals(Set.of("r1", "r2"), s.finished(), "a retried failure is not finished");
        s.apply(of(EventType.FAILED, "r3", false));
        assertEquals(Set.of("r1", "r2", "r3"), s.finished());
        assertEquals("[r1, r2] failed [r3]", s.covers());
        assertFalse(s.complete(), "r2 has no CKA yet");
        s.apply(cka("r2"));
        assertTrue(s.complete());
        // Parked stays parked: a later event of r3 changes its state, not the report's list of failures.
        s.apply(of(EventType.STARTED, "r3", null));
        assertEquals(Set.of("r3"), s.parked());
        assertNull(s.reportCovers());
        ReportResult report = new ReportResult("b/exp/report", Map.of(), s.covers(), 2, 1);
        s.apply(new ResultMessage(ResultKind.REPORT, null, "exp", null, 0, 0, report, 4, 1.0));
        assertEquals("[r1, r2] failed [r3]", s.reportCovers());
    }

    @Test
    void anExperimentWithOnlyParkedRunsIsNotComplete() {
        ExperimentState s = new ExperimentState();
        s.apply(new RunMessage("r1", "exp", "kd-ml-v3", 1, "h", 1, 1, null));
        s.apply(of(EventType.FAILED, "r1", false));
        assertEquals(Set.of("r1"), s.finished());
        assertFalse(s.complete(), "a report needs at least one run with metrics");
    }
}
