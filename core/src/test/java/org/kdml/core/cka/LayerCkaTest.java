package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.DistillNet;

class LayerCkaTest {

    @Test
    void aNetworkAgainstItselfHasOnesOnTheDiagonalAndAHeatmapIsWritten(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            DistillNet a = Architectures.of("teacher", "resnet18-tiny").create(2);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            DistillNet b = Architectures.unet("students[0]", "resnet18-tiny", 1);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            LayerCka self = LayerCka.compute(a, a, 3, (i, mgr) -> mgr.randomNormal(new Shape(16, 3, 32, 32)), m);
            assertEquals(a.layerNames(), self.rows());
            for (int i = 0; i < self.rows().size(); i++) {
                assertEquals(1.0, self.values()[i][i], 1e-6, self.rows().get(i));
            }
            LayerCka cross = LayerCka.compute(a, b, 2, (i, mgr) -> mgr.randomNormal(new Shape(8, 3, 32, 32)), m);
            assertEquals(b.layerNames().size(), cross.cols().size());
            Path png = dir.resolve("h.png");
            Heatmap.write(cross, "a (resnet18-tiny)", "b (u-net)", "test", png);
            assertTrue(Files.size(png) > 0);
        }
    }
}
