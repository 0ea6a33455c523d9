package org.kdml.tools;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
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
import org.kdml.core.tensor.Churn;
import org.kdml.core.train.DistillationSession;
import org.kdml.spec.Specs;

/**
 * {@code kdml bench --export DIR}: writes what a PyTorch script needs to check that it computes
 * the same steps as kdml: every network's arrays before and after N steps (little-endian float32,
 * in parameter order, running statistics included), the N batches, and the loss terms of every
 * step, described by {@code manifest.json}.
 */
public final class BenchExport {

    private BenchExport() {
    }

    /**
     * Writes the networks' arrays, then trains {@code xs.size()} steps on the given batches, then
     * writes the arrays again, with every step's loss terms.
     *
     * @param churn whether every step collects garbage and reuses freed memory between the forward
     *     pass and backward (the results must not change)
     */
    public static void export(Path dir, DistillationSession s, List<NDArray> xs, List<NDArray> ys, Map<String, Object> manifest,
            boolean churn) throws IOException {
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
        manifest.put("x", batches(write(dir, "x.bin", xs), xs));
        manifest.put("y", batches(write(dir, "y.bin", ys), ys));
        manifest.put("churn", churn);
        if (churn) {
            s.beforeBackward(Churn::collectAndReuse);
        }
        List<Map<String, Double>> losses = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            losses.add(s.jointStep(xs.get(i), ys.get(i)));
        }
        s.beforeBackward(() -> { });
        manifest.put("losses", losses);
        manifest.put("skippedUpdates", s.skippedUpdates());
        for (Map.Entry<String, DistillNet> e : s.networks().entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> node = (Map<String, Object>) nodes.get(e.getKey());
            node.put("after", write(dir, e.getKey() + ".after.f32", arrays(e.getValue())));
        }
        manifest.put("nodes", nodes);
        Files.writeString(dir.resolve("manifest.json"),
                Specs.json().writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    }

    /** A file of {@code arrays.size()} batches of one shape: its entry's shape is [steps, batch shape…]. */
    private static Map<String, Object> batches(Map<String, Object> entry, List<NDArray> arrays) {
        long[] one = arrays.get(0).getShape().getShape();
        long[] shape = new long[one.length + 1];
        shape[0] = arrays.size();
        System.arraycopy(one, 0, shape, 1, one.length);
        entry.put("shape", shape);
        return entry;
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
        entry.put("dtype", first.getDataType() == DataType.INT64 ? "int64" : "float32");
        entry.put("shape", arrays.size() == 1 ? first.getShape().getShape() : new long[] {-1});
        return entry;
    }
}
