package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.CpuFeatures;
import org.kdml.results.NetworkResult;
import org.kdml.results.Provenance;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Summary;
import org.kdml.spec.Task;
import org.kdml.results.RunFolder;
import org.kdml.spec.SharingGraph;

/**
 * The model card of an export ({@code model-card.json}, and {@code model-card.md} rendered from
 * it): what the model is, what it was measured to do, and where it came from. Every number in it is
 * measured by the export (on ONNX Runtime) or read from the run's {@code result.json}; the
 * intended-use and limitations sections are left for the user to complete.
 */
public final class ModelCard {

    private ModelCard() {
    }

    /** Collects the card's sections in order. */
    static final class Builder {

        private final Map<String, Object> card = new LinkedHashMap<>();
        private final ExperimentSpec spec;
        private final RunResult trained;
        private final ModelExport.Options options;
        private Evaluate fp32;
        private Latency fp32Latency;
        private long macs;

        Builder(ExperimentSpec spec, RunResult trained, ModelExport.Options options, LabeledImages data,
                OnnxExport.Meta meta) {
            this.spec = spec;
            this.trained = trained;
            this.options = options;
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("task", spec.task().key());
            model.put("network", options.network());
            model.put("architecture", options.network().equals(SharingGraph.ENSEMBLE) ? spec.students()
                    : options.network().equals("teacher") ? spec.teacher() : student(options.network()));
            model.put("classes", data.classNames());
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("name", OnnxExport.INPUT);
            input.put("layout", "NCHW, float32, RGB in [0, 1], batch axis dynamic");
            input.put("size", List.of(3, meta.imageSize(), meta.imageSize()));
            input.put("resize", "images are resized to " + meta.imageSize() + " px as training did");
            input.put("normalizationInsideGraph", Map.of("mean", meta.normalization().mean(), "std",
                    meta.normalization().std()));
            model.put("input", input);
            model.put("output", spec.task() == Task.SEGMENTATION
                    ? OnnxExport.FOREGROUND + ": foreground probability (N, 1, H, W); mask = probability >= 0.5"
                    : OnnxExport.PROBABILITIES + ": class probabilities (N, C)");
            card.put("model", model);
        }

        private String student(String node) {
            int i = Integer.parseInt(node.substring(1)) - 1;
            return i >= 0 && i < spec.students().size() ? spec.students().get(i) : node;
        }

        void fp32(Path file, OnnxMl.ModelProto model, double difference, ExportTolerance tolerance, Evaluate e,
                Latency latency) throws IOException {
            this.fp32 = e;
            this.fp32Latency = latency;
            macs = Long.parseLong(model.getMetadataPropsList().stream().filter(p -> p.getKey().equals("kdml.macs"))
                    .findFirst().orElseThrow().getValue());
            Map<String, Object> size = new LinkedHashMap<>();
            long params = 0;
            for (Map.Entry<String, NetworkResult> n : trained.networks().entrySet()) {
                if (options.network().equals(SharingGraph.ENSEMBLE) ? SharingGraph.isStudent(n.getKey())
                        : n.getKey().equals(options.network())) {
                    params += n.getValue().parameters();
                }
            }
            size.put("parameters", params);
            size.put("macsPerImage", macs);
            size.put("fp32Bytes", Files.size(file));
            card.put("size", size);
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("testImages", e.images());
            metrics.put("onnxRuntime", metrics(e));
            NetworkResult r = trained.networks().get(options.network());
            if (r != null) {
                metrics.put("kdmlEvaluation", r.test() != null ? r.test() : r.segmentation());
            }
            card.put("metrics", metrics);
            Map<String, Object> fidelity = new LinkedHashMap<>();
            fidelity.put("maxAbsDifferenceOnnxVsKdml", difference);
            fidelity.put("tolerance", tolerance);
            fidelity.put("checkedOn", CpuFeatures.current().summary());
            card.put("fidelity", fidelity);
            if (e.ece() != null) {
                card.put("calibration", Map.of("expectedCalibrationError", e.ece(), "bins", Calibration.BINS));
            }
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("fp32", latency);
            card.put("latencyBatch1", lat);
        }

        void int8(Path file, Quantizer.Quantized q, Evaluate e, Latency latency) throws IOException {
            Map<String, Object> int8 = new LinkedHashMap<>();
            CpuFeatures cpu = CpuFeatures.current();
            int8.put("format", q.format().key());
            int8.put("formatDescription", "QDQ: " + q.format().description());
            int8.put("measuredOn", Map.of("cpu", cpu.summary(), "avx2", cpu.flags().contains("avx2"), "avx512",
                    cpu.avx512(), "vnni", cpu.vnni(), "int8ProductsExactHere", q.format().exactOn(cpu)));
            int8.put("calibration", Map.of("method", q.method(), "images", q.images(), "split", "validation"));
            int8.put("quantizedTensors", q.tensors());
            int8.put("quantizedWeights", q.weights());
            int8.put("bytes", Files.size(file));
            int8.put("metrics", metrics(e));
            Int8Agreement check = e.int8Agreement(fp32);
            int8.put("agreementWithFp32", check.agreement());
            int8.put("primaryMetricChange", check.primaryMetricChange());
            int8.put("check", check);
            card.put("int8", int8);
            @SuppressWarnings("unchecked")
            Map<String, Object> lat = (Map<String, Object>) card.get("latencyBatch1");
            lat.put("int8", latency);
            lat.put("int8SpeedupOverFp32", fp32Latency.p50Ms() / latency.p50Ms());
        }

        void teacher(Evaluate teacher, Latency latency, long teacherMacs) {
            @SuppressWarnings("unchecked")
            Map<String, Object> fidelity = (Map<String, Object>) card.get("fidelity");
            fidelity.put("agreementWithTeacher", fp32.agreement(teacher));
            fidelity.put("teacherMetrics", metrics(teacher));
            @SuppressWarnings("unchecked")
            Map<String, Object> lat = (Map<String, Object>) card.get("latencyBatch1");
            lat.put("teacher", latency);
            lat.put("speedupOverTeacher", latency.p50Ms() / fp32Latency.p50Ms());
            lat.put("teacherMacsRatio", (double) teacherMacs / macs);
        }

        void weights(Map<String, Path> files) {
            Map<String, Object> w = new LinkedHashMap<>();
            files.forEach((node, f) -> w.put(node, f.getFileName().toString()));
            card.put("weightsNpz", w);
        }

        void seeds(Map<String, Object> summary) {
            @SuppressWarnings("unchecked")
            Map<String, Object> metrics = (Map<String, Object>) card.get("metrics");
            metrics.put("overSeeds", summary);
        }

        Map<String, Object> json() {
            Map<String, Object> p = new LinkedHashMap<>();
            Provenance pr = trained.provenance();
            p.put("experiment", spec.name());
            p.put("runId", trained.runId());
            p.put("variant", trained.variant());
            p.put("seed", trained.seed());
            if (pr != null) {
                p.put("specHash", pr.specHash());
                p.put("datasetFingerprint", pr.datasetFingerprint());
                p.put("trainedWith", pr.codeVersion());
            }
            p.put("exportedWith", Provenance.currentCodeVersion());
            p.put("exportedOn", CpuFeatures.current().summary());
            card.put("provenance", p);
            card.put("intendedUse", "TO COMPLETE: who may use this model, on which scanners and populations, and"
                    + " for which decision.");
            card.put("limitations", "TO COMPLETE: the data it was not validated on (sites, stains, devices), known"
                    + " failure cases (see the run's hardest images), and what a user must check before relying on"
                    + " it.");
            return card;
        }
    }

    private static Map<String, Object> metrics(Evaluate e) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.classification() != null) {
            m.put("accuracy", e.classification().accuracy());
            m.put("f1", e.classification().f1());
            m.put("auc", e.classification().auc());
        } else {
            m.put("iou", e.segmentation().iou());
            m.put("fscore", e.segmentation().fscore());
        }
        return m;
    }

    /**
     * The primary test metric of {@code network} over the experiment's runs of {@code variant}
     * (every seed with a result.json in {@code experimentDir}).
     */
    static Map<String, Object> seedSummaries(Path experimentDir, String variant, String network, Task task)
            throws IOException {
        List<Double> values = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        if (experimentDir != null && Files.isDirectory(experimentDir)) {
            try (Stream<Path> s = Files.list(experimentDir)) {
                for (Path d : s.sorted().toList()) {
                    if (!RunFolder.hasResult(d)) {
                        continue;
                    }
                    RunResult r = RunFolder.readResult(d);
                    NetworkResult n = r.networks().get(network);
                    if (r.variant().equals(variant) && n != null) {
                        Double v = task == Task.SEGMENTATION ? (n.segmentation() == null ? null : n.segmentation().iou())
                                : (n.test() == null ? null : n.test().accuracy());
                        if (v != null) {
                            values.add(v);
                            seeds.add(r.seed());
                        }
                    }
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("metric", task == Task.SEGMENTATION ? "iou" : "accuracy");
        out.put("seeds", seeds);
        if (!values.isEmpty()) {
            Summary sum = Summary.of(values);
            out.put("mean", sum.mean());
            out.put("std", sum.std());
        }
        return out;
    }

    /** The card as Markdown, from its JSON tree. */
    static String markdown(Map<String, Object> card) {
        JsonNode c = Specs.json().valueToTree(card);
        StringBuilder sb = new StringBuilder("# Model card\n\n");
        section(sb, c, "model", "Model");
        section(sb, c, "size", "Size");
        section(sb, c, "metrics", "Test metrics");
        section(sb, c, "fidelity", "Fidelity");
        section(sb, c, "calibration", "Calibration");
        section(sb, c, "int8", "INT8");
        section(sb, c, "latencyBatch1", "Latency at batch 1 (ONNX Runtime, CPU)");
        section(sb, c, "weightsNpz", "PyTorch weights");
        section(sb, c, "provenance", "Provenance");
        sb.append("## Intended use\n\n").append(c.get("intendedUse").asText()).append("\n\n");
        sb.append("## Limitations\n\n").append(c.get("limitations").asText()).append('\n');
        return sb.toString();
    }

    private static void section(StringBuilder sb, JsonNode c, String key, String title) {
        JsonNode n = c.get(key);
        if (n == null) {
            return;
        }
        sb.append("## ").append(title).append("\n\n");
        lines(sb, n, "");
        sb.append('\n');
    }

    private static void lines(StringBuilder sb, JsonNode n, String indent) {
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isObject()) {
                sb.append(indent).append("- ").append(e.getKey()).append(":\n");
                lines(sb, v, indent + "  ");
            } else {
                sb.append(indent).append("- ").append(e.getKey()).append(": ").append(format(v)).append('\n');
            }
        });
    }

    private static String format(JsonNode v) {
        if (v.isFloatingPointNumber()) {
            double d = v.asDouble();
            return Math.abs(d) >= 1e-3 || d == 0 ? String.format("%.4f", d) : String.format("%.3g", d);
        }
        return v.isTextual() ? v.asText() : v.toString();
    }
}
