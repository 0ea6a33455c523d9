package org.kdml.core.cka;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Normalization;
import org.kdml.core.model.DistillNet;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Variant;

/**
 * Layer-by-layer CKA of a finished run: every pair of its networks (teacher×S1, teacher×S2,
 * S1×S2, …) on the first {@code sample} images of its test split, with a heatmap PNG per pair.
 */
public final class RunCka {

    /**
     * What was computed.
     *
     * @param matrices by pair name, e.g. {@code teacher-s1}
     * @param architectures architecture of each node
     * @param heatmaps PNG file of each pair
     * @param examples test images used
     * @param seconds wall time of all pairs
     */
    public record Analysis(Map<String, LayerCka> matrices, Map<String, String> architectures,
            Map<String, Path> heatmaps, int examples, double seconds) {
    }

    private RunCka() {
    }

    /**
     * @param runDir the run's files ({@code spec.json}, {@code result.json}, {@code split.json},
     *     {@code <node>.params})
     * @param data the run's data set, opened
     * @param sample at most this many test images
     * @param batch images per forward pass
     * @param outDir where the heatmaps go (created)
     */
    public static Analysis analyze(Path runDir, LabeledImages data, int sample, int batch, Path outDir)
            throws IOException {
        if (!Files.isRegularFile(runDir.resolve("spec.json"))) {
            throw new IOException(runDir + ": no spec.json (trained by an older kdml?)");
        }
        ExperimentSpec spec = Specs.parse(Files.readString(runDir.resolve("spec.json")),
                runDir.resolve("spec.json").toString());
        JsonNode result = Specs.json().readTree(runDir.resolve("result.json").toFile());
        String variantKey = result.get("variant").asText();
        Variant variant = spec.variants().stream().filter(v -> v.key().equals(variantKey)).findFirst()
                .orElseThrow(() -> new IOException(runDir + ": variant " + variantKey + " is not in its spec"));
        Files.createDirectories(outDir);
        org.kdml.core.train.DistillationSession.noGradOnThisThread();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Map<String, DistillNet> nets = NetworkSet.build(spec.task(), spec.teacher(), spec.students(),
                    variant.graph(), variantKey.equals("custom") ? "sharing" : "students", data.classes(),
                    data.imageSize(), manager);
            for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
                try (InputStream in = Files.newInputStream(runDir.resolve(e.getKey() + ".params"))) {
                    e.getValue().loadParameters(manager, new DataInputStream(in));
                } catch (ai.djl.MalformedModelException ex) {
                    throw new IOException(runDir.resolve(e.getKey() + ".params") + ": " + ex.getMessage(), ex);
                }
            }
            JsonNode norm = result.get("normalization");
            Normalization n = new Normalization(doubles(norm.get("mean")), doubles(norm.get("std")));
            Map<String, Integer> byId = new HashMap<>();
            for (int i = 0; i < data.size(); i++) {
                byId.put(data.id(i), i);
            }
            List<Integer> test = new ArrayList<>();
            for (JsonNode id : Specs.json().readTree(runDir.resolve("split.json").toFile()).get("test")) {
                Integer index = byId.get(id.asText());
                if (index == null) {
                    throw new IOException(runDir.resolve("split.json") + ": test item " + id.asText()
                            + " is not in the data set");
                }
                test.add(index);
            }
            List<Integer> chosen = test.subList(0, Math.min(sample, test.size()));
            int s = data.imageSize();
            int batches = (chosen.size() + batch - 1) / batch;
            List<String> nodes = new ArrayList<>(nets.keySet());
            Map<String, LayerCka> matrices = new LinkedHashMap<>();
            Map<String, Path> heatmaps = new LinkedHashMap<>();
            Map<String, String> archs = new LinkedHashMap<>();
            nets.forEach((k, v) -> archs.put(k, v.architecture()));
            long t0 = System.nanoTime();
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = i + 1; j < nodes.size(); j++) {
                    String a = nodes.get(i);
                    String b = nodes.get(j);
                    LayerCka m = LayerCka.compute(nets.get(a), nets.get(b), batches, (k, mgr) -> {
                        List<Integer> part = chosen.subList(k * batch, Math.min(chosen.size(), (k + 1) * batch));
                        float[] buf = new float[part.size() * 3 * s * s];
                        for (int q = 0; q < part.size(); q++) {
                            n.apply(data.image(part.get(q)), buf, q * 3 * s * s);
                        }
                        NDArray arr = mgr.create(FloatBuffer.wrap(buf), new Shape(part.size(), 3, s, s));
                        return arr;
                    }, manager);
                    String name = a + "-" + b;
                    Path png = outDir.resolve("cka-" + name + ".png");
                    Heatmap.write(m, a + " (" + archs.get(a) + ")", b + " (" + archs.get(b) + ")",
                            "CKA " + a + " x " + b + " - " + spec.name() + " " + variantKey + " seed "
                                    + result.get("seed").asText(), png);
                    matrices.put(name, m);
                    heatmaps.put(name, png);
                }
            }
            return new Analysis(matrices, archs, heatmaps, chosen.size(), (System.nanoTime() - t0) / 1e9);
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }
}
