package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one ONNX graph (opset {@value #OPSET}) with the protobuf classes of the ONNX
 * specification: named float inputs with a dynamic batch axis, initialisers, nodes whose outputs
 * get fresh names, and outputs. Names are unique within the graph: {@link #op} names an output
 * after its operator and a counter, {@link #constant} after its hint.
 */
public final class OnnxGraph {

    /** The operator set the graphs use (per-channel QuantizeLinear and DequantizeLinear need 13 or later). */
    public static final int OPSET = 17;

    /** The name of the dynamic batch axis of inputs and outputs. */
    public static final String BATCH = "batch";

    private final OnnxMl.GraphProto.Builder graph;
    private final Map<String, Integer> counters = new HashMap<>();

    /** @param name the graph's name */
    public OnnxGraph(String name) {
        graph = OnnxMl.GraphProto.newBuilder().setName(name);
    }

    /** An attribute of a node. */
    public record Attr(OnnxMl.AttributeProto proto) {

        /** An integer attribute. */
        public static Attr of(String name, long value) {
            return new Attr(OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build());
        }

        /** A float attribute. */
        public static Attr of(String name, float value) {
            return new Attr(OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(value).build());
        }

        /** A string attribute. */
        public static Attr of(String name, String value) {
            return new Attr(OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build());
        }

        /** An integer-list attribute. */
        public static Attr ints(String name, long... values) {
            OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.INTS);
            for (long v : values) {
                b.addInts(v);
            }
            return new Attr(b.build());
        }
    }

    /**
     * Declares a float input (batch, dims...).
     *
     * @return its name
     */
    public String input(String name, long... dims) {
        graph.addInput(valueInfo(name, OnnxMl.TensorProto.DataType.FLOAT, dims));
        return name;
    }

    /**
     * Declares {@code tensor} as the graph output {@code name} (an Identity when the names differ).
     *
     * @param dims the dims after the batch axis
     */
    public void output(String name, String tensor, long... dims) {
        if (!name.equals(tensor)) {
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").addInput(tensor).addOutput(name)
                    .setName(name + "/identity"));
        }
        graph.addOutput(valueInfo(name, OnnxMl.TensorProto.DataType.FLOAT, dims));
    }

    /** Adds a float initialiser named after {@code hint} and returns its name. */
    public String constant(String hint, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return initializer(hint, OnnxMl.TensorProto.DataType.FLOAT, b.array(), dims);
    }

    private String initializer(String hint, OnnxMl.TensorProto.DataType type, byte[] raw, long... dims) {
        String name = fresh(hint);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /**
     * Adds a node with one output.
     *
     * @param type the operator, e.g. {@code Conv}
     * @param inputs its inputs ("" for an omitted optional input)
     * @param attrs its attributes
     * @return the output's name
     */
    public String op(String type, List<String> inputs, Attr... attrs) {
        String out = fresh(type);
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(type).setName(out).addOutput(out)
                .addAllInput(inputs);
        for (Attr a : attrs) {
            n.addAttribute(a.proto());
        }
        graph.addNode(n);
        return out;
    }

    /**
     * The model: this graph, opset {@value #OPSET}, IR version 8, and {@code metadata} as the
     * model's metadata properties (what {@code kdml predict} reads: task, classes, image size).
     */
    public OnnxMl.ModelProto model(String producerVersion, Map<String, String> metadata) {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("kdml")
                .setProducerVersion(producerVersion).setGraph(graph)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        metadata.forEach((k, v) -> m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private String fresh(String hint) {
        int n = counters.merge(hint, 1, Integer::sum);
        return n == 1 ? hint : hint + "_" + n;
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }
}
