package org.kdml.core.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.UNet;
import org.kdml.core.tensor.Tensors;
import org.kdml.core.train.EngineThreads;
import org.kdml.results.Provenance;
import org.kdml.core.train.RunFiles;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.results.RunFolder;

/**
 * {@code kdml export}: a finished run's network (a student, the teacher, or the students'
 * ensemble) as {@code model.onnx}, optionally {@code model-int8.onnx}, its {@code weights.npz}
 * (one per student for an ensemble), and a model card ({@code model-card.md}, {@code .json}) of
 * measured numbers: the ONNX graph checked against kdml's forward pass on test images, the test
 * metrics computed on ONNX Runtime, the expected calibration error, and latency at batch 1
 * against the teacher's.
 */
public final class ModelExport {

    /** Images of the test split that the graph is checked against the forward pass on. */
    static final int CHECK_IMAGES = 16;

    private ModelExport() {
    }

    /**
     * What to export.
     *
     * @param network {@code s1}, {@code s2}, … , {@code teacher} or {@code ensemble}
     * @param int8 whether to write the quantised model too
     * @param out the folder the files go to
     * @param threads ONNX Runtime's threads for the latency figures (≥ 1)
     * @param latencyRuns timed runs per latency figure (after a fifth as many warm-up runs)
     * @param calibrationImages validation images the int8 ranges are calibrated on (at most)
     * @param int8Format the int8 weights' range (default {@link Int8Format#U8S7}: safe on every x86-64 CPU)
     */
    public record Options(String network, boolean int8, Path out, int threads, int latencyRuns,
            int calibrationImages, Int8Format int8Format) {

        /** Validates the options. */
        public Options {
            if (threads < 1 || latencyRuns < 1 || calibrationImages < 1) {
                throw new IllegalArgumentException("threads, latency runs and calibration images must be >= 1, got "
                        + threads + ", " + latencyRuns + ", " + calibrationImages);
            }
            int8Format = int8Format == null ? Int8Format.U8S7 : int8Format;
        }

        /** The options with the default int8 format. */
        public Options(String network, boolean int8, Path out, int threads, int latencyRuns, int calibrationImages) {
            this(network, int8, out, threads, latencyRuns, calibrationImages, Int8Format.U8S7);
        }
    }

    /**
     * ONNX Runtime against kdml's forward pass on the same images.
     *
     * @param maxAbsDifference the largest absolute difference of probabilities
     * @param logitScale the largest |logit| of kdml's forward pass (what {@link ExportTolerance} scales by)
     */
    public record ForwardPassCheck(double maxAbsDifference, double logitScale) {
    }

    /** @return the export of {@code runDir}'s {@code options.network()}; the card as a JSON tree */
    public static Map<String, Object> export(Path runDir, Options options) throws Exception {
        ExperimentSpec spec = RunFolder.readSpec(runDir);
        EngineThreads.noGradOnThisThread();
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task()); NDManager manager = NDManager.newBaseManager()) {
            RunFiles run = RunFiles.load(runDir, data, manager);
            Map<String, DistillNet> chosen = choose(run.nets(), options.network());
            Files.createDirectories(options.out());
            RunResult trained = run.trained();
            OnnxExport.Meta meta = meta(spec, data, trained, options.network());
            OnnxMl.ModelProto fp32 = chosen.size() > 1
                    ? OnnxExport.ensemble(chosen, meta, spec.training().ensembleRule())
                    : OnnxExport.network(chosen.values().iterator().next(), meta);
            byte[] model = fp32.toByteArray();
            Path modelFile = options.out().resolve("model.onnx");
            Files.write(modelFile, model);
            List<Integer> test = run.test();
            ForwardPassCheck check = checkAgainstForwardPass(chosen, model, data, trained.normalization(), test,
                    spec.task());
            ExportTolerance tolerance = ExportTolerance.of(fp32, check.logitScale());
            if (check.maxAbsDifference() > tolerance.value()) {
                throw new IllegalStateException(modelFile + ": ONNX Runtime differs from kdml's forward pass by "
                        + check.maxAbsDifference() + " (max absolute probability), more than float32 rounding"
                        + " explains for this network (" + tolerance + ")");
            }
            Map<String, Path> weights = new LinkedHashMap<>();
            for (Map.Entry<String, DistillNet> e : chosen.entrySet()) {
                Path file = options.out().resolve(chosen.size() > 1 ? "weights-" + e.getKey() + ".npz" : "weights.npz");
                StateDict.write(e.getValue(), file);
                weights.put(e.getKey(), file);
            }
            Map<String, Object> card = new LinkedHashMap<>();
            ModelCard.Builder b = new ModelCard.Builder(spec, trained, options, data, meta);
            b.fp32(modelFile, fp32, check.maxAbsDifference(), tolerance, Evaluate.on(model, data, trained.normalization(), test, spec.task()),
                    Latency.of(model, data.imageSize(), options.threads(), options.latencyRuns()));
            if (options.int8()) {
                List<Integer> val = RunFiles.split(runDir, data, "val");
                List<Integer> calibration = val.subList(0, Math.min(val.size(), options.calibrationImages()));
                Quantizer.Quantized q = Quantizer.quantize(fp32, data, trained.normalization(), calibration,
                        options.int8Format());
                byte[] int8 = q.model().toByteArray();
                Path int8File = options.out().resolve("model-int8.onnx");
                Files.write(int8File, int8);
                b.int8(int8File, q, Evaluate.on(int8, data, trained.normalization(), test, spec.task()),
                        Latency.of(int8, data.imageSize(), options.threads(), options.latencyRuns()));
            }
            if (!options.network().equals(SharingGraph.TEACHER)) {
                byte[] teacher = OnnxExport.network(run.nets().get(SharingGraph.TEACHER), meta).toByteArray();
                b.teacher(Evaluate.on(teacher, data, trained.normalization(), test, spec.task()),
                        Latency.of(teacher, data.imageSize(), options.threads(), options.latencyRuns()),
                        Long.parseLong(OnnxModels.metadata(teacher).get("kdml.macs")));
            }
            b.weights(weights);
            b.seeds(ModelCard.seedSummaries(runDir.getParent(), trained.variant(), options.network(), spec.task()));
            card.putAll(b.json());
            Files.writeString(options.out().resolve("model-card.json"),
                    Specs.json().writerWithDefaultPrettyPrinter().writeValueAsString(card));
            Files.writeString(options.out().resolve("model-card.md"), ModelCard.markdown(card));
            return card;
        }
    }

    private static Map<String, DistillNet> choose(Map<String, DistillNet> nets, String network) {
        Map<String, DistillNet> out = new LinkedHashMap<>();
        if (network.equals(SharingGraph.ENSEMBLE)) {
            nets.forEach((node, net) -> {
                if (SharingGraph.isStudent(node)) {
                    out.put(node, net);
                }
            });
            if (out.size() < 2) {
                throw new IllegalArgumentException("--network ensemble: this run has " + out.size()
                        + " student(s); an ensemble needs two or more");
            }
            return out;
        }
        DistillNet net = nets.get(network);
        if (net == null) {
            throw new IllegalArgumentException("--network: this run has no network '" + network + "'; valid: "
                    + String.join(", ", nets.keySet()) + (nets.size() > 2 ? ", ensemble" : ""));
        }
        out.put(network, net);
        return out;
    }

    private static OnnxExport.Meta meta(ExperimentSpec spec, LabeledImages data, RunResult trained, String network) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kdml.experiment", spec.name());
        m.put("kdml.runId", trained.runId());
        m.put("kdml.variant", trained.variant());
        m.put("kdml.network", network);
        m.put("kdml.classNames", String.join(",", data.classNames()));
        if (trained.provenance() != null) {
            m.put("kdml.specHash", trained.provenance().specHash());
            m.put("kdml.datasetFingerprint", trained.provenance().datasetFingerprint());
        }
        return new OnnxExport.Meta(spec.task(), data.imageSize(), data.classes(), trained.normalization(),
                Provenance.currentCodeVersion(), m);
    }

    /**
     * The largest absolute difference of probabilities between ONNX Runtime's run of {@code model}
     * and kdml's forward pass on up to {@value #CHECK_IMAGES} test images, and kdml's largest logit.
     */
    static ForwardPassCheck checkAgainstForwardPass(Map<String, DistillNet> nets, byte[] model, LabeledImages data,
            Normalization norm, List<Integer> test, Task task) {
        int n = Math.min(CHECK_IMAGES, test.size());
        int side = data.imageSize();
        int per = 3 * side * side;
        float[] images = new float[n * per];
        float[] normalised = new float[n * per];
        for (int i = 0; i < n; i++) {
            float[] img = data.image(test.get(i));
            System.arraycopy(img, 0, images, i * per, per);
            norm.apply(img, normalised, i * per);
        }
        List<float[]> expected = new ArrayList<>();
        double logitScale = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Tensors.floats(m, normalised, new Shape(n, 3, side, side));
            ParameterStore ps = new ParameterStore(m, false);
            for (DistillNet net : nets.values()) {
                NDArray logits = net.forward(ps, new NDList(x), false).get(0);
                logitScale = Math.max(logitScale, logits.abs().max().getFloat());
                boolean sigmoid = task == Task.SEGMENTATION && net instanceof UNet u && u.outputs() == 1;
                expected.add((sigmoid ? logits.getNDArrayInternal().sigmoid() : logits.softmax(1)).toFloatArray());
            }
        }
        double max = 0;
        try (OnnxRunner r = OnnxRunner.of(model, 0)) {
            Map<String, float[]> got = r.run(images, n, side);
            List<String> names = new ArrayList<>(nets.keySet());
            for (int k = 0; k < names.size(); k++) {
                float[] g = nets.size() > 1 ? got.get(names.get(k)) : got.values().iterator().next();
                float[] e = expected.get(k);
                for (int i = 0; i < e.length; i++) {
                    max = Math.max(max, Math.abs(e[i] - g[i]));
                }
            }
        }
        return new ForwardPassCheck(max, logitScale);
    }
}
