package org.kdml.core.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.results.CpuFeatures;

/**
 * The saturation the int8 formats are about, on this machine's ONNX Runtime: a 1×1 QDQ convolution
 * of two input channels, both activations 255 and both weights {@code w}, which ONNX Runtime fuses
 * into a U8S8 QLinearConv. The exact output is {@code 2·255·w}; on x86-64 without VNNI the kernel's
 * 16-bit pair sum saturates at 32 767 when that does not fit.
 *
 * <p>Asserted (on every CPU): the default format's worst pair, {@code w = 64}, comes out exact.
 * Printed: what full 8-bit weights ({@code w = 127}) give here — 64 770 where the products are exact
 * (VNNI, or a kernel that widens first), about 32 767 where they saturate.
 */
class Int8SaturationIT {

    /** The output's quantisation step: 2·255·127 = 64 770 fits uint8 at 300 a step. */
    private static final float OUT_SCALE = 300f;

    @Test
    void theDefaultFormatsWorstPairIsExactOnThisCpu() throws Exception {
        double safe = convolve(Int8Format.U8S7.maxWeight());
        double full = convolve(Int8Format.U8S8.maxWeight());
        System.out.printf("int8 saturation on %s: w=64 gives %.0f (exact 32640), w=127 gives %.0f (exact 64770%s)%n",
                CpuFeatures.current().summary(), safe, full, full < 40000 ? ": SATURATED" : ": exact");
        assertEquals(2 * 255 * 64, safe, OUT_SCALE / 2, "u8s7's largest pair sum fits 16 bits: exact on every CPU");
        assertEquals(Math.round(2 * 255 * 64 / OUT_SCALE) * OUT_SCALE, safe, 1e-3);
    }

    /** ONNX Runtime's output for two activations of 255 against two weights {@code w}. */
    private static double convolve(int w) throws Exception {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("pair");
        g.addInput(value("x", 1, 2, 1, 1));
        g.addOutput(value("y", 1, 1, 1, 1));
        g.addInitializer(scalar("one", 1f));
        g.addInitializer(scalar("out_scale", OUT_SCALE));
        g.addInitializer(bytes("u8_zero", OnnxMl.TensorProto.DataType.UINT8, new byte[] {0}));
        g.addInitializer(bytes("s8_zero", OnnxMl.TensorProto.DataType.INT8, new byte[] {0}));
        g.addInitializer(bytes("w", OnnxMl.TensorProto.DataType.INT8, new byte[] {(byte) w, (byte) w}, 1, 2, 1, 1));
        node(g, "QuantizeLinear", "xq", "x", "one", "u8_zero");
        node(g, "DequantizeLinear", "xdq", "xq", "one", "u8_zero");
        node(g, "DequantizeLinear", "wdq", "w", "one", "s8_zero");
        node(g, "Conv", "c", "xdq", "wdq");
        node(g, "QuantizeLinear", "cq", "c", "out_scale", "u8_zero");
        node(g, "DequantizeLinear", "y", "cq", "out_scale", "u8_zero");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(8).addOpsetImport(
                OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxGraph.OPSET)).setGraph(g).build();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model.toByteArray(), o);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {255f, 255f}),
                            new long[] {1, 2, 1, 1});
                    OrtSession.Result r = s.run(Map.of("x", x))) {
                return ((float[][][][]) r.get(0).getValue())[0][0][0][0];
            }
        }
    }

    private static void node(OnnxMl.GraphProto.Builder g, String op, String out, String... in) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        g.addNode(n);
    }

    private static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))).build();
    }

    private static OnnxMl.TensorProto scalar(String name, float v) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v)
                        .array())).build();
    }

    private static OnnxMl.TensorProto bytes(String name, OnnxMl.TensorProto.DataType type, byte[] v, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(v));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
