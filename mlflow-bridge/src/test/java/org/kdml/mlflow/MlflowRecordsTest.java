package org.kdml.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.kdml.mlflow.MlflowClient.Entry;
import org.kdml.mlflow.MlflowClient.Metric;
import org.kdml.mlflow.MlflowRecords.KnownRun;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultMessage;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunMessage;
import org.kdml.spec.Phase;
import org.kdml.spec.Specs;

class MlflowRecordsTest {

    private static Map<String, String> map(List<Entry> entries) {
        return entries.stream().collect(Collectors.toMap(Entry::key, Entry::value));
    }

    @Test
    void aKdOffRunCountsItsJointEpochsAfterTheTeachersPhase() throws Exception {
        KnownRun kdOff = KnownRun.of(QuickStartMessages.run("kd-off-v1", 1));
        KnownRun kdOn = KnownRun.of(QuickStartMessages.run("kd-on-v1", 1));
        assertEquals(15, kdOff.jointOffset());
        assertEquals(0, kdOn.jointOffset());
        assertEquals(3, MlflowRecords.step(Phase.TEACHER, 3, 6));
        assertEquals(8, MlflowRecords.step(Phase.JOINT, 2, 6));
        assertEquals(2, MlflowRecords.step(Phase.JOINT, 2, 0));
    }

    @Test
    void anEpochEventBecomesItsTermsAndScoresAtItsStepAndTime() throws Exception {
        RunMessage run = QuickStartMessages.run("kd-off-v1", 1);
        RunEvent e = QuickStartMessages.epoch(run, Phase.JOINT, 2, 6, 1234L);
        List<Metric> metrics = MlflowRecords.epoch(e, KnownRun.of(run));
        // kd-off-v1: teacher -> s1 and teacher -> s2 by predictions; train terms 1/2, scores 0.5 + 2/100;
        // joint epoch 2 is step 15 + 2 (15 teacher epochs first);
        // in the order of the event's JSON (keys sorted), wall time last.
        assertEquals(List.of(
                new Metric("s1/predictions.from.teacher", 0.5, 1234, 17), new Metric("s1/task", 0.5, 1234, 17),
                new Metric("s1/total", 0.5, 1234, 17), new Metric("s2/predictions.from.teacher", 0.5, 1234, 17),
                new Metric("s2/task", 0.5, 1234, 17), new Metric("s2/total", 0.5, 1234, 17),
                new Metric("val/ensemble/accuracy", 0.52, 1234, 17), new Metric("val/s1/accuracy", 0.52, 1234, 17),
                new Metric("val/s2/accuracy", 0.52, 1234, 17), new Metric("val/teacher/accuracy", 0.52, 1234, 17),
                new Metric("epoch/seconds", 2.0, 1234, 17)), metrics);
        assertEquals(List.of(), MlflowRecords.epoch(RunEvent.of(EventType.QUEUED, run, 0, null, null),
                KnownRun.of(run)));
    }

    @Test
    void theCanonicalSpecsFieldsBecomeParams() throws Exception {
        Map<String, String> params = map(MlflowRecords.params(QuickStartMessages.run("kd-ml-v3", 2).spec()));
        assertEquals("quickstart", params.get("name"));
        assertEquals("classification", params.get("task"));
        assertEquals("synthetic-patches", params.get("dataset.kind"));
        assertEquals("32", params.get("dataset.imageSize"));
        assertEquals("6", params.get("training.epochs"));
        assertEquals("0.002", params.get("training.learningRate"));
        assertEquals("[\"resnet18-tiny\",\"resnet18-tiny\"]", params.get("students"));
        assertEquals("[1,2]", params.get("seeds"));
        assertTrue(params.keySet().stream().allMatch(k -> MlflowNames.VALID.matcher(k).matches()), params.toString());
    }

    @Test
    void aRunIsTaggedWithItsIdsAndNamedByVariantAndSeed() throws Exception {
        RunMessage run = QuickStartMessages.run("kd-ml-v3", 2);
        Map<String, String> tags = map(MlflowRecords.runTags(run));
        assertEquals(run.runId(), tags.get(MlflowRecords.RUN_ID_TAG));
        assertEquals("kd-ml-v3", tags.get("kdml.variant"));
        assertEquals("2", tags.get("kdml.seed"));
        assertEquals(run.specHash(), tags.get("kdml.spec_hash"));
        assertEquals("kd-ml-v3-seed2", tags.get("mlflow.runName"));
    }

    @Test
    void aMetricsResultGivesTestMetricsAtStepZeroAndItsLink() throws Exception {
        RunMessage run = QuickStartMessages.run("kd-ml-v3", 2);
        ResultMessage r = QuickStartMessages.metrics(run, List.of(), 99L);
        Map<String, Double> test = MlflowRecords.test(r).stream().peek(m -> {
            assertEquals(0, m.step());
            assertEquals(99, m.timestamp());
        }).collect(Collectors.toMap(Metric::key, Metric::value));
        assertEquals(0.9, test.get("test/s1/accuracy"));
        assertEquals(0.75, test.get("test/ensemble/f1"));
        assertEquals(0.95, test.get("test/s2/fidelity"));
        assertNull(test.get("test/s2/auc"), "an undefined AUC is left out");
        assertNull(test.get("test/teacher/fidelity"), "the teacher has no fidelity");
        assertNull(test.get("test/s1/confusion"), "lists are left out");
        // 4 networks × (accuracy, precision, recall, f1) + 3 AUCs + 3 fidelities.
        assertEquals(22, test.size());
        assertEquals(Map.of("kdml.artifact.result", "s3://kdml-checkpoints/quickstart/" + run.runId()
                + "/results/result.json"), map(MlflowRecords.links(r, KnownRun.of(run).keys(), PipelineConfig.BUCKET)));
    }

    @Test
    void aCkaResultLinksEveryHeatmap() throws Exception {
        RunMessage run = QuickStartMessages.run("kd-ml-v3", 2);
        String prefix = "s3://kdml-checkpoints/quickstart/" + run.runId() + "/cka/";
        assertEquals(Map.of("kdml.artifact.cka", prefix + "cka.json",
                "kdml.artifact.cka.teacher-s1", prefix + "cka-teacher-s1.png",
                "kdml.artifact.cka.teacher-s2", prefix + "cka-teacher-s2.png",
                "kdml.artifact.cka.s1-s2", prefix + "cka-s1-s2.png"),
                map(MlflowRecords.links(QuickStartMessages.cka(run, 1L), KnownRun.of(run).keys(),
                        PipelineConfig.BUCKET)));
    }

    @Test
    void onlyACompletionOrALastFailureEndsARun() throws Exception {
        RunMessage run = QuickStartMessages.run("kd-ml-v3", 2);
        assertEquals("FINISHED", MlflowRecords.finalStatus(RunEvent.of(EventType.COMPLETED, run, 1, "w", null)));
        assertEquals("FAILED", MlflowRecords.finalStatus(RunEvent.failed(run, 3, "w", "out of memory", false)));
        assertNull(MlflowRecords.finalStatus(RunEvent.failed(run, 1, "w", "out of memory", true)));
        assertNull(MlflowRecords.finalStatus(RunEvent.of(EventType.STARTED, run, 1, "w", null)));
    }

    @Test
    void nanAndInfinityAsJacksonWritesThemAreNumbers() {
        assertTrue(Double.isNaN(MlflowRecords.number(Specs.json().getNodeFactory().textNode("NaN"))));
        assertEquals(Double.POSITIVE_INFINITY,
                MlflowRecords.number(Specs.json().getNodeFactory().textNode("Infinity")));
        assertNull(MlflowRecords.number(Specs.json().getNodeFactory().textNode("fast")));
        assertNull(MlflowRecords.number(Specs.json().getNodeFactory().nullNode()));
    }
}
