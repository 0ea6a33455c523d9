package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kdml.spec.SpecException;

class NetworkSetTest {

    private static final String BASE = String.join("\n",
            "name: bad",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 40}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v2]",
            "");

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

    @Test
    void mixedStudentsWorkWhenNoFeatureEdgeJoinsThem() {
        ExperimentRunner.validate(Fixtures.spec(BASE.replace("[resnet18-tiny, resnet18-tiny]",
                "[resnet18-tiny, resnet50-tiny]").replace("versions: [v2]", "versions: [v1]")));
    }

    @Test
    void unknownDatasetNamesTheField() {
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.validate(
                Fixtures.spec(BASE.replace("kind: synthetic-patches", "kind: imagenet"))));
        assertEquals("dataset.kind: unknown dataset 'imagenet'; valid: synthetic-patches, synthetic-scans, pcam, pcam-h5, lgg, ham10000", e.getMessage());
    }
}
