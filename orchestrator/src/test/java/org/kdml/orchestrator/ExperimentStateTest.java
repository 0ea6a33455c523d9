package org.kdml.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunPosition;
import org.kdml.pipeline.Topics;
import org.kdml.results.CkaResult;
import org.kdml.results.ExportResult;
import org.kdml.results.ReportResult;
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
}
