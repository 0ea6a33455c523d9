package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.Specs;
import org.kdml.results.UndefinedCell;

class LayerCkaTest {

    /** Per minibatch and layer: the Gram matrix of the activations, in plain double arithmetic. */
    private static double[][][] gramsByHand(DistillNet net, ParameterStore ps, NDArray[] inputs) {
        double[][][] out = new double[inputs.length][][];
        for (int b = 0; b < inputs.length; b++) {
            NDList layers = net.forwardAll(ps, inputs[b], false);
            int n = (int) inputs[b].getShape().get(0);
            out[b] = new double[layers.size()][];
            for (int p = 0; p < layers.size(); p++) {
                float[] f = layers.get(p).toType(DataType.FLOAT32, false).toFloatArray();
                int d = f.length / n;
                double[] k = new double[n * n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int c = 0; c < d; c++) {
                            s += (double) f[i * d + c] * f[j * d + c];
                        }
                        k[i * n + j] = s;
                    }
                }
                out[b][p] = k;
            }
        }
        return out;
    }

    @Test
    void everyCellIsTheUnbiasedEstimatorComputedDirectlyFromTheActivations() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            DistillNet a = Architectures.of("teacher", "resnet18-tiny").create(2);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            DistillNet b = Architectures.unet("students[0]", "resnet18-tiny", 1);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            NDArray[] inputs = {m.randomNormal(new Shape(6, 3, 32, 32)), m.randomNormal(new Shape(6, 3, 32, 32))};
            LayerCka cka = LayerCka.compute("teacher", a, "s1", b, 2, (i, mgr) -> inputs[i], m);
            assertEquals(a.layerNames(), cka.rows());
            assertEquals(b.layerNames(), cka.cols());
            assertEquals(List.of(), cka.undefined());

            // ΣHSIC₁(K,L) / √(ΣHSIC₁(K,K)·ΣHSIC₁(L,L)) over the two minibatches, HSIC₁ by its definition.
            ParameterStore ps = new ParameterStore(m, false);
            double[][][] ka = gramsByHand(a, ps, inputs);
            double[][][] kb = gramsByHand(b, ps, inputs);
            for (int p = 0; p < cka.rows().size(); p++) {
                for (int q = 0; q < cka.cols().size(); q++) {
                    double xy = 0;
                    double xx = 0;
                    double yy = 0;
                    for (int batch = 0; batch < inputs.length; batch++) {
                        xy += CkaTest.hsicByDefinition(ka[batch][p], kb[batch][q], 6);
                        xx += CkaTest.hsicByDefinition(ka[batch][p], ka[batch][p], 6);
                        yy += CkaTest.hsicByDefinition(kb[batch][q], kb[batch][q], 6);
                    }
                    assertEquals(xy / Math.sqrt(xx * yy), cka.values()[p][q], 1e-9,
                            cka.rows().get(p) + " x " + cka.cols().get(q));
                }
            }
        }
    }

    @Test
    void everyPairAtOnceEqualsEachPairAloneBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            Map<String, DistillNet> nets = new LinkedHashMap<>();
            nets.put("teacher", Architectures.of("teacher", "resnet18-tiny").create(3));
            nets.put("s1", Architectures.of("students[0]", "mobilenet-tiny").create(3));
            nets.put("s2", Architectures.of("students[1]", "resnet18-tiny").create(3));
            for (DistillNet net : nets.values()) {
                net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            }
            NDArray[] inputs = {m.randomNormal(new Shape(7, 3, 32, 32)), m.randomNormal(new Shape(5, 3, 32, 32))};
            Map<String, LayerCka> all = LayerCka.computeAll(nets, 2, (i, mgr) -> inputs[i], m);
            assertEquals(List.of("teacher-s1", "teacher-s2", "s1-s2"), List.copyOf(all.keySet()));
            for (String pair : all.keySet()) {
                String[] ab = pair.split(LayerCka.PAIR);
                LayerCka alone = LayerCka.compute(ab[0], nets.get(ab[0]), ab[1], nets.get(ab[1]), 2,
                        (i, mgr) -> inputs[i], m);
                assertEquals(alone.rows(), all.get(pair).rows(), pair);
                assertEquals(alone.cols(), all.get(pair).cols(), pair);
                for (int p = 0; p < alone.rows().size(); p++) {
                    assertArrayEquals(alone.values()[p], all.get(pair).values()[p], pair + " row " + p);
                }
            }
        }
    }

    @Test
    void aConstantLayerHasUndefinedCellsWithTheReasonNullInJsonAndHatchedInTheHeatmap(@TempDir Path dir)
            throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            DistillNet a = Architectures.of("teacher", "resnet18-tiny").create(2);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            DistillNet b = Architectures.of("students[0]", "resnet18-tiny").create(2);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            // A dead classifier: with zero weights the teacher's logits are its bias for every image.
            for (Parameter p : a.headParameters()) {
                if (p.getType() == Parameter.Type.WEIGHT) {
                    p.getArray().muli(0);
                }
            }
            LayerCka cka = LayerCka.compute("teacher", a, "s1", b, 2,
                    (i, mgr) -> mgr.randomNormal(new Shape(8, 3, 32, 32)), m);
            int logits = cka.rows().indexOf("logits");
            String reason = "teacher layer logits is constant on the sample";
            assertEquals(cka.cols().size(), cka.undefined().size());
            for (int q = 0; q < cka.cols().size(); q++) {
                assertEquals(CkaValue.undefined(reason), cka.at(logits, q));
                assertEquals(new UndefinedCell(logits, q, reason), cka.undefined().get(q));
            }
            for (int p = 0; p < cka.rows().size(); p++) {
                for (int q = 0; p != logits && q < cka.cols().size(); q++) {
                    assertTrue(Double.isFinite(cka.values()[p][q]), cka.rows().get(p) + " x " + cka.cols().get(q));
                }
            }

            JsonNode json = Specs.json().readTree(Specs.json().writeValueAsString(cka.toJson()));
            assertTrue(json.get("values").get(logits).get(0).isNull(), json.toString());
            assertTrue(json.get("values").get(0).get(0).isNumber(), json.toString());
            JsonNode first = json.get("undefined").get(0);
            assertEquals(logits, first.get("row").asInt());
            assertEquals(0, first.get("col").asInt());
            assertEquals(reason, first.get("reason").asText());
            assertEquals(cka.rows(), List.of(Specs.json().treeToValue(json.get("rows"), String[].class)));

            Path png = dir.resolve("h.png");
            Heatmap.write(cka, "teacher (resnet18-tiny)", "s1 (resnet18-tiny)", "test", png);
            BufferedImage img = ImageIO.read(png.toFile());
            Rectangle cell = Heatmap.cell(cka, logits, 0);
            int centre = img.getRGB(cell.x + cell.width / 2, cell.y + cell.height / 2) & 0xFFFFFF;
            assertTrue(centre == (Heatmap.UNDEFINED.getRGB() & 0xFFFFFF) || centre == (Heatmap.HATCH.getRGB() & 0xFFFFFF),
                    Integer.toHexString(centre));
        }
    }

    @Test
    void aMatrixListsExactlyItsUndefinedCells() {
        assertEquals("values[0][0] = NaN but the cell is not listed as undefined",
                assertThrows(IllegalArgumentException.class, () -> new LayerCka(List.of("a"), List.of("b"),
                        new double[][] {{Double.NaN}}, List.of())).getMessage());
        assertEquals("values[0][0] = 0.5 but the cell is listed as undefined",
                assertThrows(IllegalArgumentException.class, () -> new LayerCka(List.of("a"), List.of("b"),
                        new double[][] {{0.5}}, List.of(new UndefinedCell(0, 0, "a is constant")))).getMessage());
        assertEquals("undefined: cell (0, 1) is outside the 1x1 matrix",
                assertThrows(IllegalArgumentException.class, () -> new LayerCka(List.of("a"), List.of("b"),
                        new double[][] {{0.5}}, List.of(new UndefinedCell(0, 1, "b is constant")))).getMessage());
        assertEquals("values[0]: 2 columns for 1 layers", assertThrows(IllegalArgumentException.class,
                () -> new LayerCka(List.of("a"), List.of("b"), new double[][] {{0.5, 0.5}}, List.of())).getMessage());
    }
}
