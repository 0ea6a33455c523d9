package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpecsTest {

    private static final String BASE = String.join("\n",
            "name: demo",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50",
            "students: [resnet18, resnet18]",
            "modes: [kd-off, kd-ml]",
            "versions: [v1, v3]",
            "seeds: [1, 2]",
            "training: {epochs: 2, temperature: 2, alpha: 0.5}",
            "");

    @Test
    void aSpecExpandsIntoModesTimesVersionsTimesSeedsWithStableIds() {
        ExperimentSpec spec = Specs.parse(BASE, "demo.yaml");
        List<RunSpec> runs = Specs.runs(spec);
        assertEquals(8, runs.size());
        assertEquals(List.of("kd-off-v1", "kd-off-v1", "kd-off-v3", "kd-off-v3", "kd-ml-v1", "kd-ml-v1", "kd-ml-v3",
                "kd-ml-v3"), runs.stream().map(r -> r.variant().key()).toList());
        assertEquals(runs.stream().map(RunSpec::runId).toList(),
                Specs.runs(Specs.parse(BASE, "again.yaml")).stream().map(RunSpec::runId).toList());
        assertEquals(8, runs.stream().map(RunSpec::runId).distinct().count());
        ExperimentSpec other = Specs.parse(BASE.replace("epochs: 2", "epochs: 3"), "other.yaml");
        assertNotEquals(runs.get(0).runId(), Specs.runs(other).get(0).runId());
    }

    @Test
    void baselineAddsAVariantOfNetworksTrainedAloneAndLeavesOtherHashesAlone() {
        ExperimentSpec plain = Specs.parse(BASE, "a.yaml");
        ExperimentSpec off = Specs.parse(BASE + "baseline: false\n", "b.yaml");
        ExperimentSpec on = Specs.parse(BASE + "baseline: true\n", "c.yaml");
        assertEquals(Specs.hash(plain), Specs.hash(off));
        assertNotEquals(Specs.hash(plain), Specs.hash(on));
        Variant last = on.variants().get(on.variants().size() - 1);
        assertEquals("baseline", last.key());
        assertEquals(List.of(), last.graph().edges());
        assertEquals(TeacherTraining.JOINT, last.graph().teacher());
        assertEquals(2, last.graph().students());
        assertEquals(8 + 2, Specs.runs(on).size());
    }

    @Test
    void trainingListsExpandIntoGridPointsNamedByTheirValues() {
        String sweep = BASE.replace("training: {epochs: 2, temperature: 2, alpha: 0.5}",
                "training: {epochs: 2, temperature: [1, 4], alpha: [0.25, 0.5, 0.75]}");
        List<ExperimentSpec> points = Specs.grid(sweep, "sweep.yaml");
        assertEquals(6, points.size());
        assertEquals(List.of("demo.temperature-1.alpha-0.25", "demo.temperature-1.alpha-0.5",
                "demo.temperature-1.alpha-0.75", "demo.temperature-4.alpha-0.25", "demo.temperature-4.alpha-0.5",
                "demo.temperature-4.alpha-0.75"), points.stream().map(ExperimentSpec::name).toList());
        assertEquals(4.0, points.get(5).training().temperature());
        assertEquals(0.75, points.get(5).training().alpha());
        assertEquals(6 * 8, points.stream().flatMap(p -> Specs.runs(p).stream()).map(RunSpec::runId).distinct().count());
        assertEquals(List.of(Specs.parse(BASE, "x")).get(0).name(), Specs.grid(BASE, "x").get(0).name());
        SpecException empty = assertThrows(SpecException.class, () -> Specs.grid(BASE.replace("epochs: 2",
                "epochs: []"), "bad.yaml"));
        assertEquals("training.epochs", empty.field());
        assertEquals("training.epochs: a grid needs a non-empty list of plain values, got []", empty.getMessage());
        SpecException negative = assertThrows(SpecException.class, () -> Specs.grid(BASE.replace("epochs: 2",
                "epochs: [2, -1]"), "bad.yaml"));
        assertEquals("training.epochs", negative.field());
    }

    @Test
    void jsonAndYamlOfTheSameSpecHashEqually() {
        String json = "{\"name\":\"demo\",\"dataset\":{\"kind\":\"synthetic-patches\",\"imageSize\":32,\"samples\":100},"
                + "\"teacher\":\"resnet50\",\"students\":[\"resnet18\",\"resnet18\"],\"modes\":[\"kd-off\",\"kd-ml\"],"
                + "\"versions\":[\"v1\",\"v3\"],\"seeds\":[1,2],\"training\":{\"epochs\":2,\"temperature\":2,\"alpha\":0.5}}";
        assertEquals(Specs.hash(Specs.parse(BASE, "a.yaml")), Specs.hash(Specs.parse(json, "a.json")));
    }

    /**
     * teacherTraining concerns kd-ml only: a spec of all four modes (as the README's) may set it,
     * and kd-off, kd-on and ml keep their fixed teacher (frozen, joint, none) whatever it says.
     */
    @Test
    void teacherTrainingChoosesKdMlsTeacherAndTheOtherModesIgnoreIt() {
        String all = BASE.replace("modes: [kd-off, kd-ml]", "modes: [kd-off, kd-on, ml, kd-ml]")
                .replace("versions: [v1, v3]", "versions: [v3]");
        assertEquals(List.of("kd-off-v3 frozen", "kd-on-v3 joint", "ml-v3 none", "kd-ml-v3 joint"),
                teachers(Specs.parse(all.replace("alpha: 0.5}", "alpha: 0.5, teacherTraining: joint}"), "j.yaml")));
        assertEquals(List.of("kd-off-v3 frozen", "kd-on-v3 joint", "ml-v3 none", "kd-ml-v3 frozen"),
                teachers(Specs.parse(all.replace("alpha: 0.5}", "alpha: 0.5, teacherTraining: frozen}"), "f.yaml")));
        assertEquals(List.of("kd-off-v3 frozen", "kd-on-v3 joint", "ml-v3 none", "kd-ml-v3 joint"),
                teachers(Specs.parse(all, "default.yaml")));
        // The checks that still mean something: kd-ml needs a teacher, and the value is a known key.
        assertField("training.teacherTraining", "kd-ml needs a teacher; use mode ml for none",
                all.replace("alpha: 0.5}", "alpha: 0.5, teacherTraining: none}"));
        assertField("training.teacherTraining", "unknown teacher training 'warm'; valid: none, frozen, joint",
                all.replace("alpha: 0.5}", "alpha: 0.5, teacherTraining: warm}"));
        // Without kd-ml nothing reads it.
        assertEquals(List.of("kd-on-v3 joint"), teachers(Specs.parse(all.replace("[kd-off, kd-on, ml, kd-ml]",
                "[kd-on]").replace("alpha: 0.5}", "alpha: 0.5, teacherTraining: none}"), "n.yaml")));
    }

    private static List<String> teachers(ExperimentSpec spec) {
        return spec.variants().stream().map(v -> v.key() + " " + v.graph().teacher().key()).toList();
    }

    @Test
    void aCustomGraphIsOneVariant() {
        String custom = BASE.replace("modes: [kd-off, kd-ml]\nversions: [v1, v3]\n",
                "sharing:\n  - {from: teacher, to: s1, knowledge: features, weight: 2}\n"
                        + "  - {from: s1, to: s2, knowledge: predictions}\n");
        ExperimentSpec spec = Specs.parse(custom, "c.yaml");
        assertEquals(1, spec.variants().size());
        Variant v = spec.variants().get(0);
        assertEquals("custom", v.key());
        assertEquals("[teacher->s1:features*2.0, s1->s2:predictions]", v.graph().edges().toString());
        assertEquals(TeacherTraining.JOINT, v.graph().teacher());
    }

    @Test
    void badValuesNameTheFieldAndTheValue() {
        assertField("modes[1]", "unknown mode 'kd-max'; valid: kd-off, kd-on, ml, kd-ml",
                BASE.replace("modes: [kd-off, kd-ml]", "modes: [kd-off, kd-max]"));
        assertField("versions[0]", "unknown version 'v4'; valid: v1, v2, v3", BASE.replace("[v1, v3]", "[v4]"));
        assertField("training.temperature", "must be a finite number > 0, got 0.0",
                BASE.replace("temperature: 2", "temperature: 0"));
        assertField("training.temperature", "must be a finite number > 0, got -1.0",
                BASE.replace("temperature: 2", "temperature: -1"));
        assertField("training.alpha", "must be in [0, 1], got 1.5", BASE.replace("alpha: 0.5", "alpha: 1.5"));
        assertField("training.alpha", "must be in [0, 1], got -0.1", BASE.replace("alpha: 0.5", "alpha: -0.1"));
        assertField("dataset.imageSize", "must be >= 32, got 16", BASE.replace("imageSize: 32", "imageSize: 16"));
        assertField("seeds", "seeds must be distinct, got [1, 1]", BASE.replace("seeds: [1, 2]", "seeds: [1, 1]"));
        assertField("teacher", "is required by the modes [kd-off, kd-ml]", BASE.replace("teacher: resnet50\n", ""));
        assertField("name", "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit, "
                + "got 'Demo!'", BASE.replace("name: demo", "name: Demo!"));
    }

    @Test
    void unknownFieldsAndWrongTypesNameTheField() {
        SpecException e = assertThrows(SpecException.class,
                () -> Specs.parse(BASE.replace("epochs: 2", "epochz: 2"), "typo.yaml"));
        assertEquals("training.epochz", e.field());
        assertTrue(e.getMessage().contains("typo.yaml"), e.getMessage());
        SpecException e2 = assertThrows(SpecException.class,
                () -> Specs.parse(BASE.replace("epochs: 2", "epochs: many"), "type.yaml"));
        assertEquals("training.epochs", e2.field());
        SpecException e3 = assertThrows(SpecException.class, () -> Specs.parse("{name: demo", "broken.yaml"));
        assertTrue(e3.getMessage().startsWith("spec: broken.yaml is not valid YAML/JSON"), e3.getMessage());
    }

    @Test
    void mlNeedsNoTeacher() {
        ExperimentSpec spec = Specs.parse(BASE.replace("teacher: resnet50\n", "")
                .replace("modes: [kd-off, kd-ml]", "modes: [ml]"), "ml.yaml");
        assertEquals(TeacherTraining.NONE, spec.variants().get(0).graph().teacher());
    }

    private static void assertField(String field, String message, String yaml) {
        SpecException e = assertThrows(SpecException.class, () -> Specs.parse(yaml, "bad.yaml"));
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(field + ": " + message, e.getMessage());
    }
}
