package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.results.ClassificationMetrics;
import org.kdml.results.NetworkResult;
import org.kdml.results.ResultNames;
import org.kdml.results.RunResult;

class ResultTableTest {

    private static RunResult run(long seed, double accuracy) {
        Map<String, NetworkResult> nets = new LinkedHashMap<>();
        ClassificationMetrics m = new ClassificationMetrics(accuracy, 0.5, 0.5, 0.5, null, new long[][] {{1, 1}, {1, 1}});
        nets.put("teacher", new NetworkResult("resnet50-tiny", 10, 1, 0.5, m, null, null));
        nets.put("s1", new NetworkResult("resnet18-tiny", 5, 1, 0.5, m, null, 0.75));
        nets.put("ensemble", new NetworkResult("ensemble", 0, 0, 0.0, m, null, 0.75));
        return RunResult.builder("r" + seed, "t", "kd-ml-v3", seed).teacherTraining("joint").networks(nets)
                .trainSeconds(1).imagesPerSecond(1).build();
    }

    @Test
    void networksAreListedTeacherThenStudentsThenEnsembles() {
        // As a result read back from JSON has them: sorted by name.
        assertEquals(List.of("teacher", "s1", "s2", "s10", "ensemble", "ensemble-mean"),
                ResultTable.ordered(List.of("ensemble", "ensemble-mean", "s1", "s10", "s2", "teacher")));
    }

    @Test
    void networksVariantsAndMetricsAreNamedAsInTheReport() {
        assertEquals("T", ResultNames.label("teacher"));
        assertEquals("S2", ResultNames.label("s2"));
        assertEquals("Ensemble-mean", ResultNames.label("ensemble-mean"));
        assertEquals("KD off V1", ResultNames.header("kd-off-v1"));
        assertEquals("Baseline (alone)", ResultNames.header("baseline"));
        assertEquals(List.of("IoU", "F-score"), List.copyOf(ResultNames.metrics(true).keySet()));
        // Accuracy 0.6 and 0.8: mean 0.7, sample std √0.02 = 0.141; no AUC on any seed.
        String table = ResultTable.render(List.of(run(1, 0.6), run(2, 0.8)));
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("variant          network       arch            Accuracy        Precision"),
                table);
        assertTrue(lines[0].contains(" AUC ") && lines[0].contains(" Fidelity "), table);
        assertTrue(lines[2].startsWith("KD+ML V3         T             resnet50-tiny   0.700±0.141"), table);
        assertTrue(lines[2].contains(" - "), table);
        assertTrue(lines[3].startsWith("KD+ML V3         S1 "), table);
        assertTrue(lines[4].startsWith("KD+ML V3         Ensemble "), table);
        assertTrue(lines[4].contains("0.750±0.000") || lines[4].contains("0.750 "), table);
    }
}
