package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import org.kdml.results.CkaResult;
import org.kdml.results.UndefinedCell;

class CkaResultTest {

    /** A 2×1 matrix whose second row is a constant layer: CKA 1 at (0, 0), undefined at (1, 0). */
    private static final LayerCka MATRIX = new LayerCka(List.of("conv1", "logits"), List.of("conv1"),
            new double[][] {{1.0}, {Double.NaN}},
            List.of(new UndefinedCell(1, 0, "teacher layer logits is constant on the sample")));

    private static final RunCka.Analysis ANALYSIS = new RunCka.Analysis(Map.of("teacher-s1", MATRIX),
            Map.of("teacher", "resnet50", "s1", "resnet18"), Map.of("teacher-s1", Path.of("cka-teacher-s1.png")), 8,
            1.5);

    @Test
    void theJsonHasTheAnalyzersFieldsAndReadsBackEqual() throws Exception {
        CkaResult r = CkaResults.of(ANALYSIS, 4, RunLayout::heatmap);
        String text = Specs.json().writeValueAsString(r);
        assertEquals("{\"architectures\":{\"s1\":\"resnet18\",\"teacher\":\"resnet50\"},\"examples\":8,"
                + "\"method\":\"minibatch-unbiased-hsic (Nguyen et al. 2021), batch 4\",\"pairs\":{\"teacher-s1\":"
                + "{\"cols\":[\"conv1\"],\"heatmap\":\"cka-teacher-s1.png\",\"rows\":[\"conv1\",\"logits\"],"
                + "\"undefined\":[{\"col\":0,\"reason\":\"teacher layer logits is constant on the sample\",\"row\":1}],"
                + "\"values\":[[1.0],[null]]}},\"seconds\":1.5}", text);
        assertEquals(r, Specs.json().readValue(text, CkaResult.class));
    }

    /** The pair's matrix part is what {@link LayerCka#toJson} writes, so both read the same. */
    @Test
    void aPairHoldsTheMatrixAsLayerCkaWritesIt() throws Exception {
        JsonNode pair = Specs.json().valueToTree(CkaResults.pair(MATRIX, "b/k.png"));
        JsonNode matrix = Specs.json().valueToTree(MATRIX.toJson());
        ((ObjectNode) pair).remove("heatmap");
        assertEquals(matrix, pair);
    }

    @Test
    void aPairWithoutAHeatmapOrOfTheWrongShapeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CkaResults.pair(MATRIX, " "));
        assertEquals("heatmap: the location of the pair's PNG is required", e.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new CkaResult.Pair(List.of("a"), List.of("b", "c"), List.of(List.of(0.5)), List.of(), "h.png"));
        assertEquals("values[0]: 1 columns for 2 layers", shape.getMessage());
        assertTrue(CkaResult.method(64).endsWith("batch 64"));
    }
}
