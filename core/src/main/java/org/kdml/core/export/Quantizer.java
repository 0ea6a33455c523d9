package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;

/**
 * Static post-training quantisation of an exported FP32 graph into QDQ form, the layout ONNX
 * Runtime's CPU provider turns into int8 kernels (QLinearConv, QGemm, QLinearAdd, …):
 * <ul>
 *   <li>activations: unsigned 8-bit, asymmetric, one (scale, zero point) per tensor from the
 *       minimum and maximum seen on the calibration images (the range always holds 0, so that 0 is
 *       exact); every tensor that enters or leaves a Conv, Gemm, Add, MaxPool,
 *       GlobalAveragePool, Concat or Resize gets one QuantizeLinear → DequantizeLinear pair. An op
 *       whose only consumer is a Relu is quantised after the Relu (zero point 0, where ONNX Runtime
 *       drops the Relu into the quantisation);</li>
 *   <li>weights of Conv and Gemm: signed, symmetric (zero point 0), per output channel
 *       ({@code scale_c = max|w_c| / m}, m = 64 for 7-bit weights ({@link Int8Format#U8S7}, the
 *       default) or 127 for full 8-bit ({@link Int8Format#U8S8}));</li>
 *   <li>biases: int32 at {@code scale = s_input · s_weight,c}, zero point 0.</li>
 * </ul>
 * The graph's input, its normalisation, the logits (the last Conv or Gemm computes them from int8
 * inputs and weights but returns float: an 8-bit step on the logits would move decisions near a
 * mask's threshold) and the final Softmax / Sigmoid / ensemble combination stay float.
 */
public final class Quantizer {

    /** The model metadata key that names the int8 format. */
    public static final String FORMAT_KEY = "kdml.int8Format";

    private static final Set<String> QUANTISED = Set.of("Conv", "Gemm", "Add", "MaxPool", "GlobalAveragePool",
            "Concat", "Resize");

    /** What turns logits into probabilities: the tensors they read stay float. */
    private static final Set<String> HEADS = Set.of("Softmax", "Sigmoid");

    private Quantizer() {
    }

    /**
     * A quantised model and how it was calibrated.
     *
     * @param model the QDQ graph
     * @param format the weights' range
     * @param method the calibration method ({@code minmax})
     * @param images calibration images
     * @param tensors quantised activation tensors
     * @param weights quantised weight tensors
     */
    public record Quantized(OnnxMl.ModelProto model, Int8Format format, String method, int images, int tensors, int weights) {
    }

    /** Activation range of a tensor. */
    private record Range(float min, float max) {

        float scale() {
            float s = (max - min) / 255f;
            return s > 0 ? s : 1f;
        }

        int zeroPoint() {
            return Math.max(0, Math.min(255, Math.round(-min / scale())));
        }
    }

    /**
     * Quantises {@code fp32}, calibrating on {@code calibration} images of {@code data}.
     *
     * @throws IllegalArgumentException when there are no calibration images
     */
    public static Quantized quantize(OnnxMl.ModelProto fp32, LabeledImages data, Normalization norm,
            List<Integer> calibration, Int8Format format) {
        if (calibration.isEmpty()) {
            throw new IllegalArgumentException("int8: no calibration images (the run's validation split is empty)");
        }
        OnnxMl.GraphProto g = fp32.getGraph();
        Set<String> constants = new HashSet<>();
        g.getInitializerList().forEach(t -> constants.add(t.getName()));
        Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
            n.getOutputList().forEach(o -> producer.put(o, n));
        }
        Set<String> tensors = new LinkedHashSet<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (!QUANTISED.contains(n.getOpType())) {
                continue;
            }
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                boolean weight = (n.getOpType().equals("Conv") || n.getOpType().equals("Gemm")) && i > 0;
                boolean scales = n.getOpType().equals("Resize") && i > 0;
                if (!in.isEmpty() && !constants.contains(in) && !weight && !scales) {
                    tensors.add(in);
                }
            }
            String out = n.getOutput(0);
            List<OnnxMl.NodeProto> next = consumers.getOrDefault(out, List.of());
            if (next.stream().anyMatch(c -> HEADS.contains(c.getOpType()))) {
                // The logits stay float: an 8-bit step on them moves the decision (a mask's 0.5 threshold).
                continue;
            }
            if (next.size() == 1 && next.get(0).getOpType().equals("Relu")) {
                tensors.add(next.get(0).getOutput(0));
            } else {
                tensors.add(out);
            }
        }
        Map<String, Range> ranges = calibrate(fp32, tensors, data, calibration);
        OnnxMl.GraphProto.Builder q = g.toBuilder().clearNode().clearInitializer();
        Map<String, OnnxMl.TensorProto> init = new LinkedHashMap<>();
        g.getInitializerList().forEach(t -> init.put(t.getName(), t));
        Set<String> used = new HashSet<>();
        Map<String, String> dequantised = new HashMap<>();
        int[] weights = {0};
        // Tensors made before any node (the graph's inputs) are never quantised here: they feed Sub.
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            OnnxMl.NodeProto.Builder b = n.toBuilder().clearInput();
            boolean convOrGemm = n.getOpType().equals("Conv") || n.getOpType().equals("Gemm");
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                if (convOrGemm && i == 1) {
                    b.addInput(weight(q, init.get(in), weights, format.maxWeight()));
                    used.add(in);
                } else if (convOrGemm && i == 2) {
                    Range x = ranges.get(n.getInput(0));
                    b.addInput(bias(q, init.get(in), init.get(n.getInput(1)), x.scale(), format.maxWeight()));
                    used.add(in);
                } else {
                    b.addInput(dequantised.getOrDefault(in, in));
                }
            }
            q.addNode(b);
            for (String out : n.getOutputList()) {
                if (tensors.contains(out)) {
                    dequantised.put(out, qdq(q, out, ranges.get(out)));
                }
            }
        }
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (!used.contains(t.getName())) {
                q.addInitializer(t);
            }
        }
        OnnxMl.ModelProto model = fp32.toBuilder().setGraph(q).addMetadataProps(OnnxMl.StringStringEntryProto
                .newBuilder().setKey(FORMAT_KEY).setValue(format.key())).build();
        return new Quantized(model, format, "minmax", calibration.size(), tensors.size(), weights[0]);
    }

    /** The minimum and maximum of every tensor over the calibration images (with 0 always in range). */
    private static Map<String, Range> calibrate(OnnxMl.ModelProto fp32, Set<String> tensors, LabeledImages data,
            List<Integer> calibration) {
        OnnxMl.GraphProto.Builder g = fp32.getGraph().toBuilder();
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
        for (String t : tensors) {
            if (!outputs.contains(t)) {
                g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(t).setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
            }
        }
        byte[] model = fp32.toBuilder().setGraph(g).build().toByteArray();
        Map<String, float[]> minMax = new HashMap<>();
        int side = data.imageSize();
        int per = 3 * side * side;
        try (OnnxRunner r = OnnxRunner.of(model, 0)) {
            for (int start = 0; start < calibration.size(); start += Evaluate.BATCH) {
                int b = Math.min(Evaluate.BATCH, calibration.size() - start);
                float[] x = new float[b * per];
                for (int j = 0; j < b; j++) {
                    System.arraycopy(data.image(calibration.get(start + j)), 0, x, j * per, per);
                }
                Map<String, float[]> out = r.run(x, b, side);
                for (String t : tensors) {
                    float[] v = out.get(t);
                    float[] mm = minMax.computeIfAbsent(t, k -> new float[] {0, 0});
                    for (float f : v) {
                        mm[0] = Math.min(mm[0], f);
                        mm[1] = Math.max(mm[1], f);
                    }
                }
            }
        }
        Map<String, Range> out = new HashMap<>();
        minMax.forEach((t, mm) -> out.put(t, new Range(mm[0], mm[1])));
        return out;
    }

    /** Appends QuantizeLinear → DequantizeLinear after {@code tensor}; returns the dequantised name. */
    private static String qdq(OnnxMl.GraphProto.Builder q, String tensor, Range r) {
        String scale = tensor + "/scale";
        String zero = tensor + "/zero_point";
        q.addInitializer(floats(scale, new float[] {r.scale()}));
        q.addInitializer(OnnxMl.TensorProto.newBuilder().setName(zero).setDataType(
                OnnxMl.TensorProto.DataType.UINT8.getNumber()).setRawData(ByteString.copyFrom(
                        new byte[] {(byte) r.zeroPoint()})));
        String quantised = tensor + "/q";
        String dequantised = tensor + "/dq";
        q.addNode(OnnxMl.NodeProto.newBuilder().setOpType("QuantizeLinear").setName(quantised).addInput(tensor)
                .addInput(scale).addInput(zero).addOutput(quantised));
        q.addNode(OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(dequantised)
                .addInput(quantised).addInput(scale).addInput(zero).addOutput(dequantised));
        return dequantised;
    }

    /** Per-output-channel symmetric int8 weights in [−max, max] and their DequantizeLinear; returns its output. */
    private static String weight(OnnxMl.GraphProto.Builder q, OnnxMl.TensorProto w, int[] count, int max) {
        float[] v = floats(w);
        int channels = (int) w.getDims(0);
        int per = v.length / channels;
        float[] scales = channelScales(v, channels, max);
        byte[] data = new byte[v.length];
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < per; j++) {
                data[c * per + j] = (byte) Math.max(-max, Math.min(max, Math.round(v[c * per + j] / scales[c])));
            }
        }
        String name = w.getName();
        q.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name + "/int8").setDataType(
                OnnxMl.TensorProto.DataType.INT8.getNumber()).addAllDims(w.getDimsList())
                .setRawData(ByteString.copyFrom(data)));
        q.addInitializer(floats(name + "/scale", scales, channels));
        q.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name + "/zero_point").setDataType(
                OnnxMl.TensorProto.DataType.INT8.getNumber()).addDims(channels)
                .setRawData(ByteString.copyFrom(new byte[channels])));
        String out = name + "/dq";
        q.addNode(OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(out).addInput(name + "/int8")
                .addInput(name + "/scale").addInput(name + "/zero_point").addOutput(out)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
        count[0]++;
        return out;
    }

    /** int32 biases at {@code s_input · s_weight,c}; returns the DequantizeLinear's output. */
    private static String bias(OnnxMl.GraphProto.Builder q, OnnxMl.TensorProto b, OnnxMl.TensorProto w,
            float inputScale, int max) {
        float[] v = floats(b);
        float[] ws = channelScales(floats(w), (int) w.getDims(0), max);
        float[] scales = new float[v.length];
        ByteBuffer data = ByteBuffer.allocate(v.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < v.length; c++) {
            scales[c] = inputScale * ws[c];
            data.putInt((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.round(v[c] / scales[c]))));
        }
        String name = b.getName();
        q.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name + "/int32").setDataType(
                OnnxMl.TensorProto.DataType.INT32.getNumber()).addDims(v.length)
                .setRawData(ByteString.copyFrom(data.array())));
        q.addInitializer(floats(name + "/scale", scales, v.length));
        q.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name + "/zero_point").setDataType(
                OnnxMl.TensorProto.DataType.INT32.getNumber()).addDims(v.length)
                .setRawData(ByteString.copyFrom(new byte[v.length * Integer.BYTES])));
        String out = name + "/dq";
        q.addNode(OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(out).addInput(name + "/int32")
                .addInput(name + "/scale").addInput(name + "/zero_point").addOutput(out)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
        return out;
    }

    private static float[] channelScales(float[] w, int channels, int maxWeight) {
        int per = w.length / channels;
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int j = 0; j < per; j++) {
                max = Math.max(max, Math.abs(w[c * per + j]));
            }
            s[c] = max > 0 ? max / maxWeight : 1f;
        }
        return s;
    }

    private static float[] floats(OnnxMl.TensorProto t) {
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
