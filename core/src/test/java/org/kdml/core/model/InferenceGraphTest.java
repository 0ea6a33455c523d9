package org.kdml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.kdml.core.tensor.Tensors;

class InferenceGraphTest {

    /**
     * Batch norms with statistics far from their initial (0, 1) and non-trivial scales, so that
     * a wrong fold (a missing mean, √ of σ instead of σ², the wrong channel) shows.
     */
    private static void randomiseBatchNorms(KdNetwork net, NDManager m) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            String name = p.getKey();
            NDArray a = p.getValue().getArray();
            NDArray v;
            if (name.endsWith("runningVar")) {
                v = m.randomUniform(0.2f, 3f, a.getShape());
            } else if (name.endsWith("runningMean") || name.endsWith("beta")) {
                v = m.randomUniform(-0.5f, 0.5f, a.getShape());
            } else if (name.endsWith("gamma")) {
                v = m.randomUniform(0.5f, 1.5f, a.getShape());
            } else {
                continue;
            }
            Tensors.copyInto(a, v);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18-tiny, 0, 32", "resnet50-tiny, 64, 48", "resnet18, 0, 64"})
    void theFoldedGraphGivesTheNetworksInferenceOutputs(String key, int adapter, int size) {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("teacher", key).factory().create(3, adapter);
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, size, size));
            randomiseBatchNorms(net, m);
            NDArray x = m.randomNormal(new Shape(2, 3, size, size));
            NDList expected = net.forward(new ParameterStore(m, false), new NDList(x), false);
            try (InferenceGraph graph = InferenceGraph.of(net, m)) {
                NDList got = graph.forward(x);
                assertEquals(expected.size(), got.size(), "logits, feature and four stages");
                for (int i = 0; i < expected.size(); i++) {
                    NDArray e = expected.get(i);
                    NDArray g = got.get(i);
                    assertEquals(e.getShape(), g.getShape(), "output " + i);
                    double scale = e.abs().max().getFloat();
                    double diff = e.sub(g).abs().max().getFloat();
                    assertTrue(diff <= 1e-4 * Math.max(1, scale), key + " output " + i + ": largest difference "
                            + diff + " (largest value " + scale + ")");
                }
            }
        }
    }

    @Test
    void theGraphKeepsTheWeightsItWasBuiltFrom() {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("teacher", "resnet18-tiny").create(2);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            NDArray x = m.randomNormal(new Shape(1, 3, 32, 32));
            try (InferenceGraph graph = InferenceGraph.of(net, m)) {
                float[] before = graph.forward(x).get(0).toFloatArray();
                randomiseBatchNorms(net, m);
                float[] after = graph.forward(x).get(0).toFloatArray();
                assertEquals(before[0], after[0], "folded once, when built: a changed network needs a new graph");
                assertEquals(before[1], after[1]);
            }
        }
    }

    @Test
    void aUNetIsRefusedWithItsClass() {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet u = Architectures.unet("teacher", "resnet18-tiny", 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceGraph.of(u, m));
            assertEquals("no inference graph for a UNet (resnet18-tiny)", e.getMessage());
        }
    }
}
