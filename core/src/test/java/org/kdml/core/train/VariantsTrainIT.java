package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Version;

/** Each of the 12 presets trains: its summed loss falls over a few steps on one fixed batch. */
class VariantsTrainIT {

    @ParameterizedTest(name = "{0}-{1}")
    @CsvSource({"kd-off, v1", "kd-off, v2", "kd-off, v3", "kd-on, v1", "kd-on, v2", "kd-on, v3", "ml, v1", "ml, v2",
        "ml, v3", "kd-ml, v1", "kd-ml, v2", "kd-ml, v3"})
    void lossDecreases(String mode, String version) {
        SharingGraph graph = SharingGraph.preset(Mode.of("mode", mode), Version.of("version", version), 2);
        Batches batches = Fixtures.batches();
        try (DistillationSession s = Fixtures.session(graph, 11); NDManager m = NDManager.newBaseManager()) {
            List<Integer> b = Fixtures.firstBatch(16);
            NDArray x = batches.images(b, m);
            NDArray y = batches.labels(b, m);
            if (graph.teacher() == TeacherTraining.FROZEN) {
                for (int i = 0; i < 5; i++) {
                    s.teacherStep(x, y);
                }
                s.freezeTeacher();
            }
            double first = total(s.jointStep(x, y));
            double last = first;
            for (int i = 0; i < 10; i++) {
                Map<String, Double> step = s.jointStep(x, y);
                if (!step.isEmpty()) { // empty: a skipped (non-finite) step, counted by the session
                    last = total(step);
                }
            }
            assertTrue(s.skippedUpdates().isEmpty(), "skipped updates: " + s.skippedUpdates());
            assertTrue(last < first * 0.9, mode + "-" + version + ": loss went from " + first + " to " + last);
        }
    }

    private static double total(Map<String, Double> metrics) {
        return metrics.entrySet().stream().filter(e -> e.getKey().endsWith("/total")).mapToDouble(Map.Entry::getValue)
                .sum();
    }
}
