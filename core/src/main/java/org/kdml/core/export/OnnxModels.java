package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading exported models back: their metadata properties. */
public final class OnnxModels {

    private OnnxModels() {
    }

    /**
     * The model's metadata properties (kdml writes task, image size, classes, normalisation).
     *
     * @throws IllegalArgumentException when the bytes are not an ONNX model
     */
    public static Map<String, String> metadata(byte[] model) {
        try {
            Map<String, String> out = new LinkedHashMap<>();
            for (OnnxMl.StringStringEntryProto e : OnnxMl.ModelProto.parseFrom(model).getMetadataPropsList()) {
                out.put(e.getKey(), e.getValue());
            }
            return out;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }
}
