package org.kdml.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.core.train.DistillationSession;
import org.kdml.spec.Specs;

/**
 * {@code kdml bench --export DIR}: writes what a PyTorch script needs to check that it computes
 * the same step as kdml: every network's arrays before and after one step (little-endian float32,
 * in parameter order, running statistics included), the batch, and the loss terms of that step,
 * described by {@code manifest.json}.
 */
final class Exporter {

    private Exporter() {
    }

    static void export(Path dir, DistillationSession s, NDArray x, NDArray y, Map<String, Object> manifest)
            throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("--export writes little-endian files; this machine is big-endian");
        }
        Files.createDirectories(dir);
        Map<String, Object> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, DistillNet> e : s.networks().entrySet()) {
            Map<String, Object> node = new LinkedHashMap<>();
            List<long[]> shapes = new ArrayList<>();
            for (Pair<String, Parameter> p : e.getValue().getParameters()) {
                shapes.add(p.getValue().getArray().getShape().getShape());
            }
            node.put("shapes", shapes);
            node.put("before", write(dir, e.getKey() + ".before.f32", arrays(e.getValue())));
            nodes.put(e.getKey(), node);
        }
        manifest.put("x", write(dir, "x.bin", List.of(x)));
        manifest.put("y", write(dir, "y.bin", List.of(y)));
        manifest.put("losses", s.jointStep(x, y));
        for (Map.Entry<String, DistillNet> e : s.networks().entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> node = (Map<String, Object>) nodes.get(e.getKey());
            node.put("after", write(dir, e.getKey() + ".after.f32", arrays(e.getValue())));
        }
        manifest.put("nodes", nodes);
        Files.writeString(dir.resolve("manifest.json"),
                Specs.json().writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    }

    private static List<NDArray> arrays(DistillNet net) {
        List<NDArray> out = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            out.add(p.getValue().getArray());
        }
        return out;
    }

    /** Writes the arrays one after the other, little-endian; @return the manifest entry */
    private static Map<String, Object> write(Path dir, String name, List<NDArray> arrays) throws IOException {
        try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
            for (NDArray a : arrays) {
                ByteBuffer b = a.toByteBuffer().order(ByteOrder.nativeOrder());
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes);
            }
        }
        NDArray first = arrays.get(0);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("file", name);
        entry.put("dtype", first.getDataType() == ai.djl.ndarray.types.DataType.INT64 ? "int64" : "float32");
        entry.put("shape", arrays.size() == 1 ? first.getShape().getShape() : new long[] {-1});
        return entry;
    }
}
