package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code dataset.split}: official or pooled, validated where it is read, absent from the hash when left out. */
class DatasetSplitTest {

    private static String spec(String dataset) {
        return String.join("\n",
                "name: demo",
                "dataset: {" + dataset + "}",
                "teacher: resnet50",
                "students: [resnet18, resnet18]",
                "modes: [kd-ml]",
                "versions: [v3]",
                "");
    }

    @Test
    void anUnknownSplittingNamesTheFieldAndTheValue() {
        SpecException e = assertThrows(SpecException.class,
                () -> Specs.parse(spec("kind: pcam-h5, root: /data/pcam, split: per-patch"), "bad.yaml"));
        assertEquals("dataset.split", e.field());
        assertEquals("dataset.split: unknown splitting 'per-patch'; valid: official, pooled", e.getMessage());
    }

    @Test
    void leftOutItKeepsTheHashAndGivenItChangesIt() {
        ExperimentSpec plain = Specs.parse(spec("kind: pcam-h5, root: /data/pcam"), "a.yaml");
        ExperimentSpec pooled = Specs.parse(spec("kind: pcam-h5, root: /data/pcam, split: pooled"), "b.yaml");
        ExperimentSpec official = Specs.parse(spec("kind: pcam-h5, root: /data/pcam, split: official"), "c.yaml");
        assertEquals(null, plain.dataset().split());
        assertEquals("pooled", pooled.dataset().split());
        assertTrue(!Specs.canonicalJson(plain).contains("\"split\""), Specs.canonicalJson(plain));
        assertTrue(Specs.canonicalJson(pooled).contains("\"split\":\"pooled\""), Specs.canonicalJson(pooled));
        assertNotEquals(Specs.hash(pooled), Specs.hash(official));
        assertNotEquals(Specs.hash(plain), Specs.hash(pooled));
    }
}
