package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code training.ensemble}: mean by default (absent from the canonical spec), max on request, checked. */
class EnsembleRuleTest {

    private static final String BASE = String.join("\n",
            "name: ens",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "");

    @ParameterizedTest
    @EnumSource(EnsembleRule.class)
    void everyRuleIsFoundByItsKey(EnsembleRule rule) {
        assertEquals(rule, EnsembleRule.of("f", rule.key()));
        assertEquals(rule, Specs.parse(BASE + "training: {ensemble: " + rule.key() + "}\n", "e.yaml").training()
                .ensembleRule());
    }

    @Test
    void meanIsTheDefaultAndHashesAsAbsentMaxIsAnotherSpec() {
        ExperimentSpec plain = Specs.parse(BASE, "a.yaml");
        assertEquals(EnsembleRule.MEAN, plain.training().ensembleRule());
        ExperimentSpec mean = Specs.parse(BASE + "training: {ensemble: mean}\n", "b.yaml");
        assertNull(mean.training().ensemble(), "the default is kept out of the canonical spec");
        assertEquals(Specs.hash(plain), Specs.hash(mean));
        ExperimentSpec max = Specs.parse(BASE + "training: {ensemble: max}\n", "c.yaml");
        assertEquals("max", max.training().ensemble());
        assertNotEquals(Specs.hash(plain), Specs.hash(max));
    }

    @Test
    void anUnknownRuleAndMaxOnSegmentationAreRefusedNamingTheField() {
        SpecException unknown = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {ensemble: vote}\n", "x.yaml"));
        assertEquals("training.ensemble: unknown ensemble rule 'vote'; valid: mean, max", unknown.getMessage());
        SpecException seg = assertThrows(SpecException.class, () -> Specs.parse(BASE.replace("name: ens",
                "name: ens\ntask: segmentation").replace("synthetic-patches", "synthetic-scans")
                + "training: {ensemble: max}\n", "s.yaml"));
        assertEquals("training.ensemble: applies to classification; a segmentation ensemble is the union of the"
                + " students' masks (with ensemble-mean beside it), got 'max'", seg.getMessage());
    }
}
