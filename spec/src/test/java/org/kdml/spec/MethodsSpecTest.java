package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The existing methods in specs: their variants, hyper-parameters and the errors bad input gets. */
class MethodsSpecTest {

    private static final String BASE = String.join("\n",
            "name: cmp",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50",
            "students: [resnet18, resnet18]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [1, 2]",
            "");

    @Test
    void eachMethodAddsAVariantOfOneStudentTaughtByAFrozenTeacherWithTheUsualWeight() {
        ExperimentSpec spec = Specs.parse(BASE + "methods: [fitnet, at, simkd]\n", "cmp.yaml");
        List<Variant> variants = spec.variants();
        assertEquals(List.of("kd-ml-v3", "baseline-fitnet", "baseline-at", "baseline-simkd"),
                variants.stream().map(Variant::key).toList());
        SharingGraph at = variants.get(2).graph();
        assertEquals(1, at.students());
        assertEquals(TeacherTraining.FROZEN, at.teacher());
        assertEquals(List.of(new Edge("teacher", "s1", Knowledge.AT, 1000)), at.edges());
        assertEquals(1.0, at.taskWeight());
        assertEquals(0.0, variants.get(3).graph().taskWeight(), "SimKD drops the task loss");
        assertEquals(100, variants.get(1).graph().edges().get(0).weight());
        assertNull(variants.get(0).graph().taskWeight(), "kdml's own variants keep the blend");
        assertEquals(2 * 4, Specs.runs(spec).size());
    }

    @Test
    void withKdAddsVanillaKdAndHyperParametersOverrideTheDefaults() {
        ExperimentSpec spec = Specs.parse(BASE + "methods: [at, simkd]\n"
                + "training: {protocol: with-kd, methods: {at: {weight: 500, p: 4}}}\n", "cmp.yaml");
        SharingGraph at = spec.variants().get(1).graph();
        assertEquals(List.of(new Edge("teacher", "s1", Knowledge.AT, 500), Edge.of("teacher", "s1",
                Knowledge.PREDICTIONS)), at.edges());
        assertEquals(Map.of("weight", 500.0, "p", 4.0), spec.training().methodParams(Knowledge.AT));
        assertEquals(1, spec.variants().get(2).graph().edges().size(), "SimKD never adds KD");
    }

    @Test
    void theDefaultProtocolAndAbsentMethodsHashAsBefore() {
        ExperimentSpec plain = Specs.parse(BASE, "a.yaml");
        assertEquals(Specs.hash(plain), Specs.hash(Specs.parse(BASE + "methods: []\n"
                + "training: {protocol: method-only, methods: {}}\n", "b.yaml")));
        assertNotEquals(Specs.hash(plain), Specs.hash(Specs.parse(BASE + "methods: [sp]\n", "c.yaml")));
    }

    @Test
    void aMethodOnTheWrongTaskIsRejectedNamingTheFieldAndTheValidOnes() {
        SpecException e = assertThrows(SpecException.class, () -> Specs.parse(BASE.replace("name: cmp",
                "name: cmp\ntask: segmentation") + "methods: [cwd, at]\n", "seg.yaml"));
        assertTrue(e.getMessage().contains("methods[1]"), e.getMessage());
        assertTrue(e.getMessage().contains("at is not a segmentation method; valid for segmentation: predictions,"
                + " features, skd, ifvd, cwd, dsd, emkd"), e.getMessage());
        SpecException custom = assertThrows(SpecException.class, () -> Specs.parse(String.join("\n", "name: c",
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}", "teacher: resnet50",
                "students: [resnet18]", "sharing: [{from: teacher, to: s1, knowledge: cwd}]", ""), "c.yaml"));
        assertTrue(custom.getMessage().contains("sharing[0].knowledge"), custom.getMessage());
    }

    @Test
    void unknownMethodsAndParametersAndOutOfRangeValuesAreRejectedNamingTheField() {
        SpecException unknown = assertThrows(SpecException.class, () -> Specs.parse(BASE + "methods: [crd]\n",
                "x.yaml"));
        assertTrue(unknown.getMessage().contains("methods[0]") && unknown.getMessage().contains("unknown method 'crd';"
                + " valid: fitnet, at, sp, vid, srrl, simkd, semckd, skd, ifvd, cwd, dsd, emkd"), unknown.getMessage());
        SpecException param = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {methods: {fitnet: {layer: 2}}}\n", "x.yaml"));
        assertTrue(param.getMessage().contains("training.methods.fitnet.layer")
                && param.getMessage().contains("unknown parameter of fitnet; valid: weight, stage"), param.getMessage());
        SpecException stage = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {methods: {fitnet: {stage: 5}}}\n", "x.yaml"));
        assertTrue(stage.getMessage().contains("training.methods.fitnet.stage")
                && stage.getMessage().contains("must be a number in [1, 4], got 5.0"), stage.getMessage());
        SpecException half = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {methods: {fitnet: {stage: 1.5}}}\n", "x.yaml"));
        assertTrue(half.getMessage().contains("must be a whole number"), half.getMessage());
        SpecException protocol = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {protocol: kd}\n", "x.yaml"));
        assertTrue(protocol.getMessage().contains("training.protocol")
                && protocol.getMessage().contains("valid: method-only, with-kd"), protocol.getMessage());
        SpecException twice = assertThrows(SpecException.class, () -> Specs.parse(BASE + "methods: [at, at]\n",
                "x.yaml"));
        assertTrue(twice.getMessage().contains("methods must be distinct"), twice.getMessage());
        SpecException noTeacher = assertThrows(SpecException.class, () -> Specs.parse(BASE.replace(
                "teacher: resnet50\n", "").replace("modes: [kd-ml]", "modes: [ml]") + "methods: [sp]\n", "x.yaml"));
        assertTrue(noTeacher.getMessage().contains("teacher") && noTeacher.getMessage().contains("methods [sp]"),
                noTeacher.getMessage());
    }

    @Test
    void aMethodVariantTravelsAsJsonAndComesBackEqual() throws Exception {
        ExperimentSpec spec = Specs.parse(BASE + "methods: [vid]\n", "cmp.yaml");
        RunSpec run = Specs.runs(spec).get(2);
        String json = Specs.json().writeValueAsString(run);
        assertEquals(run, Specs.json().readValue(json, RunSpec.class));
        assertTrue(json.contains("\"taskWeight\":1.0"), json);
        assertTrue(!Specs.json().writeValueAsString(Specs.runs(spec).get(0)).contains("taskWeight"));
    }
}
