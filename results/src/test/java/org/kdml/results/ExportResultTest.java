package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.spec.Specs;

class ExportResultTest {

    @Test
    void writesNetworkFilesAndCardAsTheWireCarriesThemAndReadsThemBack() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("model.onnx", "b/exp/r1/export/model.onnx");
        ExportResult r = new ExportResult("s1", files, Map.of("accuracy", 0.75));
        String json = Specs.json().writeValueAsString(r);
        // kdml's mapper writes fields sorted by name, as on every topic.
        assertEquals("{\"card\":{\"accuracy\":0.75},\"files\":{\"model.onnx\":\"b/exp/r1/export/model.onnx\"},"
                + "\"network\":\"s1\"}", json);
        assertEquals(r, Specs.json().readValue(json, ExportResult.class));
    }

    @Test
    void anExportWithoutItsNetworkIsRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExportResult("", Map.of(), Map.of()));
        assertEquals("network: the exported node is required", e.getMessage());
    }
}
