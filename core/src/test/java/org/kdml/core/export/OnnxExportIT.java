package org.kdml.core.export;

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
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.results.Normalization;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.KdNetwork;
import org.kdml.core.model.SimKdStudent;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.EnsembleRule;
import org.kdml.spec.Task;

/**
 * ONNX Runtime runs every exported network as kdml's own forward pass does: the probabilities of
 * both within the network's float32 tolerance ({@link ExportTolerance}: its depth, fan-in and logit
 * scale) for every architecture, both tasks, SimKD's deployed student and the ensembles; and that
 * tolerance still catches a real mistake (a wrong batch-norm fold, a missing ReLU). Batch norms get random affine weights and running statistics of their own
 * (training-mode passes over random images, as a trained network's are of its data), so that
 * folding them into the convolutions is exercised, not a no-op.
 */
class OnnxExportIT {

    private static final Normalization NORM = new Normalization(new double[] {0.5, 0.4, 0.3},
            new double[] {0.2, 0.25, 0.3});

    static Stream<Arguments> architectures() {
        return Architectures.keys().stream().flatMap(k -> Stream.of(Arguments.of(k, Task.CLASSIFICATION),
                Arguments.of(k, Task.SEGMENTATION)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("architectures")
    void onnxRuntimeAgreesWithTheForwardPass(String key, Task task) {
        try (NDManager m = NDManager.newBaseManager()) {
            DistillNet net = build(m, key, task, 3, 7);
            check(m, Map.of("net", net), task, 3, false, EnsembleRule.MEAN);
        }
    }

    @Test
    void simKdsDeployedStudentExportsWithItsProjectorAndTheTeachersClassifier() {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork student = Architectures.of("s", "resnet18-tiny").create(3);
            SimKdStudent simkd = new SimKdStudent(student, 512, 3, 2);
            simkd.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            randomise(simkd, 11);
            settle(m, simkd, 11);
            check(m, Map.of("s1", simkd), Task.CLASSIFICATION, 3, false, EnsembleRule.MEAN);
        }
    }

    @Test
    void ensemblesCombineAsTheEvaluationDoes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, DistillNet> cls = new LinkedHashMap<>();
            cls.put("s1", build(m, "resnet18-tiny", Task.CLASSIFICATION, 2, 1));
            cls.put("s2", build(m, "mobilenet-tiny", Task.CLASSIFICATION, 2, 2));
            check(m, cls, Task.CLASSIFICATION, 2, true, EnsembleRule.MEAN);
            // The paper's rule: each class's highest probability, scaled to sum to 1 (three classes,
            // so that the scaling matters).
            Map<String, DistillNet> three = new LinkedHashMap<>();
            three.put("s1", build(m, "resnet18-tiny", Task.CLASSIFICATION, 3, 5));
            three.put("s2", build(m, "mobilenet-tiny", Task.CLASSIFICATION, 3, 6));
            check(m, three, Task.CLASSIFICATION, 3, true, EnsembleRule.MAX);
            Map<String, DistillNet> seg = new LinkedHashMap<>();
            seg.put("s1", build(m, "resnet18-tiny", Task.SEGMENTATION, 1, 3));
            seg.put("s2", build(m, "resnet18-tiny", Task.SEGMENTATION, 1, 4));
            check(m, seg, Task.SEGMENTATION, 1, true, EnsembleRule.MEAN);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.ensemble(
                    Map.of("s1", cls.get("s1")), meta(Task.CLASSIFICATION, 2), EnsembleRule.MEAN));
            assertEquals("an ensemble needs two students or more, got [s1]", e.getMessage());
        }
    }

    private static DistillNet build(NDManager m, String key, Task task, int classes, long seed) {
        DistillNet net = task == Task.SEGMENTATION ? Architectures.unet("arch", key, 1)
                : Architectures.of("arch", key).create(classes);
        net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
        randomise(net, seed);
        settle(m, net, seed);
        return net;
    }

    /** Batch norms' affine weights: γ in [0.5, 1.5], β in [−0.2, 0.2]. */
    private static void randomise(DistillNet net, long seed) {
        Random r = new Random(seed);
        for (Pair<String, Parameter> p : net.getParameters()) {
            String name = p.getKey();
            float lo;
            float hi;
            if (name.endsWith("gamma")) {
                lo = 0.5f;
                hi = 1.5f;
            } else if (name.endsWith("beta")) {
                lo = -0.2f;
                hi = 0.2f;
            } else {
                continue;
            }
            NDArray a = p.getValue().getArray();
            float[] v = new float[(int) a.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (hi - lo) * r.nextFloat();
            }
            Tensors.copyInto(a, Tensors.floats(a.getManager(), v, a.getShape()));
        }
    }

    /** Training-mode passes over random images: the batch norms' running statistics become their inputs'. */
    private static void settle(NDManager m, DistillNet net, long seed) {
        try (NDManager tmp = m.newSubManager()) {
            tmp.getEngine().setRandomSeed((int) seed);
            ParameterStore ps = new ParameterStore(tmp, false);
            for (int i = 0; i < 30; i++) {
                NDArray x = tmp.randomNormal(new Shape(4, 3, 32, 32));
                net.forward(ps, new NDList(x), true);
            }
        }
    }

    private static OnnxExport.Meta meta(Task task, int classes) {
        return new OnnxExport.Meta(task, 32, classes, NORM, "test", Map.of());
    }

    private static void check(NDManager m, Map<String, DistillNet> nets, Task task, int classes, boolean ensemble,
            EnsembleRule rule) {
        int n = 3;
        Random r = new Random(5);
        float[] images = new float[n * 3 * 32 * 32];
        for (int i = 0; i < images.length; i++) {
            images[i] = r.nextFloat();
        }
        float[] normalised = new float[images.length];
        int per = 3 * 32 * 32;
        for (int i = 0; i < n; i++) {
            float[] one = new float[per];
            System.arraycopy(images, i * per, one, 0, per);
            NORM.apply(one, normalised, i * per);
        }
        Map<String, float[]> expected = new LinkedHashMap<>();
        try (NDManager tmp = m.newSubManager()) {
            NDArray x = Tensors.floats(tmp, normalised, new Shape(n, 3, 32, 32));
            ParameterStore ps = new ParameterStore(tmp, false);
            for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
                NDArray logits = e.getValue().forward(ps, new NDList(x), false).get(0);
                NDArray p = task == Task.SEGMENTATION ? logits.getNDArrayInternal().sigmoid() : logits.softmax(1);
                expected.put(e.getKey(), p.toFloatArray());
            }
        }
        OnnxMl.ModelProto proto = ensemble ? OnnxExport.ensemble(nets, meta(task, classes), rule)
                : OnnxExport.network(nets.values().iterator().next(), meta(task, classes));
        double tolerance = ExportTolerance.of(proto, logitScale(m, nets, normalised, n)).value();
        byte[] model = proto.toByteArray();
        try (OnnxRunner runner = OnnxRunner.of(model, 2)) {
            Map<String, float[]> got = runner.run(images, n, 32);
            String main = task == Task.SEGMENTATION ? OnnxExport.FOREGROUND : OnnxExport.PROBABILITIES;
            if (!ensemble) {
                assertClose(expected.values().iterator().next(), got.get(main), main, tolerance);
                return;
            }
            List<float[]> each = List.copyOf(expected.values());
            float[] combined = new float[each.get(0).length];
            for (int i = 0; i < combined.length; i++) {
                combined[i] = task == Task.SEGMENTATION || rule == EnsembleRule.MAX
                        ? Math.max(each.get(0)[i], each.get(1)[i]) : (each.get(0)[i] + each.get(1)[i]) / 2;
            }
            if (task == Task.CLASSIFICATION && rule == EnsembleRule.MAX) {
                for (int row = 0; row < combined.length / classes; row++) {
                    float sum = 0;
                    for (int c = 0; c < classes; c++) {
                        sum += combined[row * classes + c];
                    }
                    for (int c = 0; c < classes; c++) {
                        combined[row * classes + c] /= sum;
                    }
                }
            }
            assertClose(combined, got.get(main), main, tolerance);
            expected.forEach((node, p) -> assertClose(p, got.get(node), node, tolerance));
            if (task == Task.SEGMENTATION) {
                float[] mean = new float[combined.length];
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (each.get(0)[i] + each.get(1)[i]) / 2;
                }
                assertClose(mean, got.get(OnnxExport.FOREGROUND_MEAN), OnnxExport.FOREGROUND_MEAN, tolerance);
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what, double tolerance) {
        double max = maxDifference(expected, actual, what);
        System.out.printf(Locale.ROOT, "export check %s: max |ONNX Runtime - kdml| %.3g, tolerance %.3g"
                + " (%.0fx)%n", what, max, tolerance, tolerance / Math.max(max, 1e-12));
        assertTrue(max <= tolerance, what + ": max |ONNX Runtime − kdml| = " + max + " > tolerance " + tolerance);
    }

    private static double maxDifference(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    /** The largest |logit| of {@code nets} on the normalised images. */
    private static double logitScale(NDManager m, Map<String, DistillNet> nets, float[] normalised, int n) {
        double scale = 0;
        try (NDManager tmp = m.newSubManager()) {
            NDArray x = Tensors.floats(tmp, normalised, new Shape(n, 3, 32, 32));
            ParameterStore ps = new ParameterStore(tmp, false);
            for (DistillNet net : nets.values()) {
                scale = Math.max(scale, net.forward(ps, new NDList(x), false).get(0).abs().max().getFloat());
            }
        }
        return scale;
    }

    @ParameterizedTest
    @EnumSource(Task.class)
    void theToleranceCatchesAWrongFoldAndAMissingLayer(Task task) {
        try (NDManager m = NDManager.newBaseManager()) {
            DistillNet net = build(m, "resnet18-tiny", task, 3, 21);
            OnnxMl.ModelProto good = OnnxExport.network(net, meta(task, task == Task.SEGMENTATION ? 1 : 3));
            Random r = new Random(5);
            int n = 4;
            int per = 3 * 32 * 32;
            float[] images = new float[n * per];
            for (int i = 0; i < images.length; i++) {
                images[i] = r.nextFloat();
            }
            float[] normalised = new float[images.length];
            for (int i = 0; i < n; i++) {
                float[] one = new float[per];
                System.arraycopy(images, i * per, one, 0, per);
                NORM.apply(one, normalised, i * per);
            }
            float[] expected;
            try (NDManager tmp = m.newSubManager()) {
                NDArray x = Tensors.floats(tmp, normalised, new Shape(n, 3, 32, 32));
                NDArray logits = net.forward(new ParameterStore(tmp, false), new NDList(x), false).get(0);
                expected = (task == Task.SEGMENTATION ? logits.getNDArrayInternal().sigmoid() : logits.softmax(1))
                        .toFloatArray();
            }
            double tolerance = ExportTolerance.of(good, logitScale(m, Map.of("net", net), normalised, n)).value();
            String out = task == Task.SEGMENTATION ? OnnxExport.FOREGROUND : OnnxExport.PROBABILITIES;
            assertTrue(difference(good, images, n, expected, out) <= tolerance, "the right export passes");

            // A fold whose variance is off by 5 % in one convolution of the second stage: its weights × 1.05.
            OnnxMl.NodeProto conv = good.getGraph().getNodeList().stream().filter(x -> x.getOpType().equals("Conv"))
                    .skip(4).findFirst().orElseThrow();
            OnnxMl.ModelProto wrongFold = scaleInitializer(good, conv.getInput(1), 1.05f);
            double fold = difference(wrongFold, images, n, expected, out);
            assertTrue(fold > tolerance, "wrong fold: " + fold + " <= tolerance " + tolerance);

            // A ReLU left out: its consumers read its input.
            OnnxMl.NodeProto relu = good.getGraph().getNodeList().stream().filter(x -> x.getOpType().equals("Relu"))
                    .skip(2).findFirst().orElseThrow();
            OnnxMl.GraphProto.Builder g = good.getGraph().toBuilder().clearNode();
            for (OnnxMl.NodeProto node : good.getGraph().getNodeList()) {
                if (node != relu) {
                    OnnxMl.NodeProto.Builder b = node.toBuilder().clearInput();
                    node.getInputList().forEach(in -> b.addInput(in.equals(relu.getOutput(0)) ? relu.getInput(0) : in));
                    g.addNode(b);
                }
            }
            double missing = difference(good.toBuilder().setGraph(g).build(), images, n, expected, out);
            assertTrue(missing > tolerance, "missing ReLU: " + missing + " <= tolerance " + tolerance);
            System.out.printf(Locale.ROOT, "mistakes (%s): tolerance %.3g, wrong fold %.3g, missing ReLU %.3g%n",
                    task, tolerance, fold, missing);
        }
    }

    private static double difference(OnnxMl.ModelProto model, float[] images, int n, float[] expected, String out) {
        try (OnnxRunner runner = OnnxRunner.of(model.toByteArray(), 2)) {
            return maxDifference(expected, runner.run(images, n, 32).get(out), out);
        }
    }

    private static OnnxMl.ModelProto scaleInitializer(OnnxMl.ModelProto model, String name, float factor) {
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            if (t.getName().equals(name)) {
                ByteBuffer in = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer out = ByteBuffer.allocate(in.remaining())
                        .order(ByteOrder.LITTLE_ENDIAN);
                while (in.remaining() >= Float.BYTES) {
                    out.putFloat(in.getFloat() * factor);
                }
                g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(out.array())));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }
}
