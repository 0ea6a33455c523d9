package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.KdNetwork;
import org.kdml.spec.ArchitectureShapes;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Variant;

class NetworkSetTest {

    private static final String BASE = String.join("\n",
            "name: bad",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 40}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v2]",
            "");

    /**
     * The teacher key's adapter width ({@code ArchitectureShapes.teacherAdapter}, without PyTorch)
     * is the adapter the engine builds, on every variant of specs with equal and with mixed students.
     */
    @Test
    void theTeacherKeysAdapterIsTheOneTheEngineBuilds() {
        for (String students : List.of("[resnet18-tiny, resnet18-tiny]", "[mobilenet-tiny, mobilenet-tiny]",
                "[resnet18-tiny, mobilenet-tiny]")) {
            ExperimentSpec spec = Specs.parse(String.join("\n",
                    "name: adapters",
                    "dataset: {kind: synthetic-patches, imageSize: 32, samples: 40}",
                    "teacher: resnet50-tiny",
                    "students: " + students,
                    "modes: [ml, kd-off, kd-on, kd-ml]",
                    "versions: " + (students.contains("mobilenet-tiny]") && students.contains("resnet18-tiny,")
                            ? "[v1]" : "[v1, v2, v3]"),
                    "baseline: true",
                    "methods: [at, fitnet]",
                    ""), "adapters.yaml");
            for (Variant v : spec.variants()) {
                if (v.graph().teacher() == TeacherTraining.NONE) {
                    continue;
                }
                try (NDManager m = NDManager.newBaseManager()) {
                    KdNetwork teacher = (KdNetwork) NetworkSet.build(NetworkSet.Plan.of(spec, v, 2, 32)
                            .graphField("students"), m).get(SharingGraph.TEACHER);
                    int built = teacher.hasAdapter() ? teacher.featureChannels() : 0;
                    assertEquals(built, ArchitectureShapes.teacherAdapter(spec, v), students + " " + v.key());
                }
            }
        }
    }

    @Test
    void unknownArchitecturesNameTheirField() {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("students: [resnet18-tiny, resnet18-tiny]", "students: [resnet18-tiny, vgg]"))));
        assertEquals("students[1]", e.field());
        assertTrue(e.getMessage().startsWith("students[1]: unknown architecture 'vgg'; valid: resnet18, "), e.getMessage());
        SpecException t = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("teacher: resnet50-tiny", "teacher: resnet51"))));
        assertEquals("teacher", t.field());
    }

    @Test
    void aPeerFeatureEdgeBetweenIncompatibleShapesIsRejected() {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("[resnet18-tiny, resnet18-tiny]", "[resnet18-tiny, resnet50-tiny]"))));
        assertEquals("students", e.field());
        assertTrue(e.getMessage().contains("the teacher shares features with students of different channel counts "
                + "[128, 512]"), e.getMessage());
        SpecException ml = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("[resnet18-tiny, resnet18-tiny]", "[resnet18-tiny, resnet50-tiny]")
                        .replace("modes: [kd-ml]", "modes: [ml]"))));
        assertTrue(ml.getMessage().contains("feature edge s2->s1:features joins s2 (resnet50-tiny) with feature "
                + "(1, 512, 1, 1) and s1 (resnet18-tiny) with feature (1, 128, 1, 1)"), ml.getMessage());
    }

    /**
     * kd-ml V1 shares predictions only, so students of different feature shapes (resnet18-tiny:
     * 128 channels, resnet50-tiny: 512) may learn together: the spec validates, and the networks
     * are built with their own architectures (the teacher without adapter, as no student reads its
     * features) and run, each giving (N, 2) logits and its own feature map.
     */
    @Test
    void mixedStudentsWorkWhenNoFeatureEdgeJoinsThem() {
        ExperimentSpec spec = Fixtures.spec(BASE.replace("[resnet18-tiny, resnet18-tiny]",
                "[resnet18-tiny, resnet50-tiny]").replace("versions: [v2]", "versions: [v1]"));
        ExperimentRunner.validate(spec);
        SharingGraph graph = spec.variants().get(0).graph();
        assertEquals("[teacher->s1:predictions, s2->s1:predictions, teacher->s2:predictions, s1->s2:predictions]",
                graph.edges().toString());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of(spec.teacher(), spec.students(), graph, 2, 32), m);
            assertEquals(List.of("teacher", "s1", "s2"), List.copyOf(nets.keySet()));
            Map<String, String> built = new LinkedHashMap<>();
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 32, 32));
            for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
                NDList out = e.getValue().forward(new ParameterStore(m, false), new NDList(x), false);
                built.put(e.getKey(), e.getValue().architecture() + " " + e.getValue().featureChannels() + " "
                        + out.get(0).getShape() + " " + out.get(1).getShape());
            }
            assertEquals(Map.of("teacher", "resnet50-tiny 512 (2, 2) (2, 512, 1, 1)",
                    "s1", "resnet18-tiny 128 (2, 2) (2, 128, 1, 1)",
                    "s2", "resnet50-tiny 512 (2, 2) (2, 512, 1, 1)"), built);
        }
    }

    @Test
    void unknownDatasetNamesTheField() {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("kind: synthetic-patches", "kind: imagenet"))));
        assertEquals("dataset.kind: unknown dataset 'imagenet'; valid: synthetic-patches, synthetic-scans, pcam, pcam-h5, lgg, ham10000, imagefolder, csv, maskfolder", e.getMessage());
    }
}
