package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code export:} in a spec: defaults, the hash of specs without it, and errors naming the field. */
class ExportSpecTest {

    private static final String BASE = String.join("\n", "name: e",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}", "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]", "");

    @Test
    void theNetworkDefaultsToTheEnsembleOfTwoStudentsAndToS1OfOne() {
        ExperimentSpec two = Specs.parse(BASE + "export: {formats: [onnx, int8]}\n", "a.yaml");
        assertEquals(new ExportSpec(List.of("onnx", "int8"), "ensemble"), two.export());
        assertTrue(two.export().int8());
        ExperimentSpec one = Specs.parse(BASE.replace("[resnet18-tiny, resnet18-tiny]", "[resnet18-tiny]")
                + "modes: [kd-off]\nexport: {formats: [onnx]}\n", "b.yaml");
        assertEquals("s1", one.export().network());
        assertNull(Specs.parse(BASE, "c.yaml").export());
        assertTrue(!Specs.hash(Specs.parse(BASE, "c.yaml")).equals(Specs.hash(two)));
    }

    @Test
    void badFormatsAndNetworksAreRejectedNamingTheField() {
        SpecException f = assertThrows(SpecException.class, () -> Specs.parse(BASE + "export: {formats: [tflite]}\n",
                "x.yaml"));
        assertTrue(f.getMessage().contains("export.formats[0]") && f.getMessage().contains(
                "unknown format 'tflite'; valid: onnx, int8"), f.getMessage());
        SpecException n = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "export: {formats: [onnx], network: s3}\n", "x.yaml"));
        assertTrue(n.getMessage().contains("export.network") && n.getMessage().contains(
                "'s3' is not a network of this spec; valid: s1..s2, teacher, ensemble"), n.getMessage());
        SpecException none = assertThrows(SpecException.class, () -> Specs.parse(BASE + "export: {formats: []}\n",
                "x.yaml"));
        assertTrue(none.getMessage().contains("export.formats"), none.getMessage());
    }
}
