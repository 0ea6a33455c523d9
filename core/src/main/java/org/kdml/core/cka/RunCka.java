package org.kdml.core.cka;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Tensors;
import org.kdml.core.train.EngineThreads;
import org.kdml.core.train.RunFiles;
import org.kdml.spec.ExperimentSpec;
import org.kdml.results.RunFolder;

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
        Files.createDirectories(outDir);
        EngineThreads.noGradOnThisThread();
        try (NDManager manager = NDManager.newBaseManager()) {
            RunFiles run = RunFiles.load(runDir, data, manager);
            ExperimentSpec spec = run.spec();
            String variantKey = run.variant().key();
            Map<String, DistillNet> nets = run.nets();
            Normalization n = run.trained().normalization();
            List<Integer> test = run.test();
            List<Integer> chosen = test.subList(0, Math.min(sample, test.size()));
            int s = data.imageSize();
            int batches = (chosen.size() + batch - 1) / batch;
            List<String> nodes = new ArrayList<>(nets.keySet());
            Map<String, LayerCka> matrices = new LinkedHashMap<>();
            Map<String, Path> heatmaps = new LinkedHashMap<>();
            Map<String, String> archs = new LinkedHashMap<>();
            nets.forEach((k, v) -> archs.put(k, v.architecture()));
            long t0 = System.nanoTime();
            Map<String, LayerCka> all = LayerCka.computeAll(nets, batches, (k, mgr) -> {
                List<Integer> part = chosen.subList(k * batch, Math.min(chosen.size(), (k + 1) * batch));
                float[] buf = new float[part.size() * 3 * s * s];
                for (int q = 0; q < part.size(); q++) {
                    n.apply(data.image(part.get(q)), buf, q * 3 * s * s);
                }
                return Tensors.floats(mgr, buf, new Shape(part.size(), 3, s, s));
            }, manager);
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = i + 1; j < nodes.size(); j++) {
                    String a = nodes.get(i);
                    String b = nodes.get(j);
                    String name = a + LayerCka.PAIR + b;
                    LayerCka m = all.get(name);
                    Path png = RunFolder.heatmap(outDir, name);
                    Heatmap.write(m, a + " (" + archs.get(a) + ")", b + " (" + archs.get(b) + ")",
                            "CKA " + a + " x " + b + " - " + spec.name() + " " + variantKey + " seed "
                                    + run.trained().seed(), png);
                    matrices.put(name, m);
                    heatmaps.put(name, png);
                }
            }
            return new Analysis(matrices, archs, heatmaps, chosen.size(), (System.nanoTime() - t0) / 1e9);
        }
    }
}
