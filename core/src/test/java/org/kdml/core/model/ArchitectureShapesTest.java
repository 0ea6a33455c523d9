package org.kdml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.TrainingSpec;
import org.kdml.spec.ArchitectureShapes;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;
import org.kdml.spec.Variant;

/**
 * The spec's shape table (what the orchestrator checks without PyTorch) agrees with the engine's
 * networks: same keys, same feature channels, and the same verdict on every feature edge.
 */
class ArchitectureShapesTest {

    @Test
    void tableHasTheRegistrysKeysAndFeatureChannels() {
        assertEquals(List.copyOf(Architectures.keys()), List.copyOf(ArchitectureShapes.keys()));
        for (String key : Architectures.keys()) {
            ArchitectureShapes.Shape s = ArchitectureShapes.of("teacher", key);
            assertEquals(Architectures.of("teacher", key).featureChannels(), s.classificationChannels(), key);
            assertEquals(Architectures.unet("teacher", key, 1).featureChannels(), s.segmentationChannels(), key);
        }
        SpecException e = assertThrows(SpecException.class, () -> ArchitectureShapes.of("students[1]", "vgg"));
        assertEquals("students[1]", e.field());
        assertTrue(e.getMessage().startsWith("students[1]: unknown architecture 'vgg'; valid: resnet18, "),
                e.getMessage());
    }

    @Test
    void structuralCheckAndBuiltNetworksAgreeOnEveryVariant() {
        List<String> verdicts = new ArrayList<>();
        int rejected = 0;
        for (String task : List.of("classification", "segmentation")) {
            for (String teacher : List.of("resnet50-tiny", "mobilenet-tiny")) {
                for (String students : List.of("[resnet18-tiny, resnet18-tiny]", "[resnet18-tiny, mobilenet-tiny]",
                        "[resnet50-tiny, resnet18-tiny]")) {
                    ExperimentSpec spec = Specs.parse(String.join("\n", "name: shapes", "task: " + task,
                            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 40}", "teacher: " + teacher,
                            "students: " + students, "modes: [kd-off, kd-on, ml, kd-ml]", "versions: [v1, v2, v3]",
                            ""), "shapes.yaml");
                    for (Variant v : spec.variants()) {
                        String table = verdict(() -> ArchitectureShapes.check(spec, v));
                        String built = verdict(() -> build(spec, v));
                        String where = task + " " + teacher + " -> " + students + " " + v.key();
                        assertEquals(built, table, where);
                        verdicts.add(where + ": " + table);
                        rejected += table.equals("ok") ? 0 : 1;
                    }
                }
            }
        }
        // Both verdicts occur, so the comparison is not vacuous.
        assertTrue(rejected > 0 && rejected < verdicts.size(), String.join("\n", verdicts));
    }

    private static void build(ExperimentSpec spec, Variant v) {
        try (NDManager m = NDManager.newBaseManager()) {
            NetworkSet.build(NetworkSet.Plan.of(spec, v, 2, 32)
                    .training(TrainingSpec.defaults()), m);
        }
    }

    /** "ok", or the field a SpecException names. */
    private static String verdict(Runnable check) {
        try {
            check.run();
            return "ok";
        } catch (SpecException e) {
            return "rejects " + e.field();
        }
    }
}
