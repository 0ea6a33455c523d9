package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.results.Normalization;
import org.kdml.core.export.OnnxGraph.Attr;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.UNet;
import org.kdml.spec.EnsembleRule;
import org.kdml.spec.Task;

/**
 * Inference graphs of trained networks, as the model a student ships in. Input {@value #INPUT}:
 * the image as float 0–1 in NCHW (3 channels, the training side, a dynamic batch axis); the
 * training split's normalisation {@code (x − mean)/std} is the graph's first two nodes. Output
 * {@value #PROBABILITIES} (N, C) for classification, {@value #FOREGROUND} (N, 1, H, W) — the
 * foreground probability — for binary segmentation, or {@value #PROBABILITIES} (N, C, H, W) for
 * C-class masks. An ensemble graph runs the students side by side on one normalised input and
 * combines them as kdml's evaluation does: by the run's {@link EnsembleRule}, the mean of the class
 * probabilities or the per-class maximum scaled to sum to 1 ({@code Softmax(Log(Max(...)))}); for masks the
 * union (the per-pixel maximum of the foreground probabilities, whose 0.5 threshold is the union
 * of the students' masks), with the mean in {@value #FOREGROUND_MEAN}; each student's own output
 * is there too, named after its node.
 */
public final class OnnxExport {

    /** The input's name. */
    public static final String INPUT = "image";

    /** The class probabilities' output name. */
    public static final String PROBABILITIES = "probabilities";

    /** The binary foreground probability map's output name. */
    public static final String FOREGROUND = "foreground";

    /** The ensemble's mean foreground probability (the training evaluation's {@code ensemble-mean}). */
    public static final String FOREGROUND_MEAN = "foreground_mean";

    private OnnxExport() {
    }

    /** What a graph needs to know besides its networks. */
    public record Meta(Task task, int imageSize, int classes, Normalization normalization, String producerVersion,
            Map<String, String> metadata) {
    }

    /**
     * One network's inference graph.
     *
     * @param net a trained network (its weights are read now)
     */
    public static OnnxMl.ModelProto network(DistillNet net, Meta meta) {
        return ensemble(Map.of("net", net), meta, false, EnsembleRule.MEAN);
    }

    /**
     * The students' ensemble as one graph.
     *
     * @param students the students by node name, in order (two or more)
     * @param rule how a classification ensemble combines its students (the run's
     *     {@code training.ensemble}); masks are always combined by their union
     */
    public static OnnxMl.ModelProto ensemble(Map<String, DistillNet> students, Meta meta, EnsembleRule rule) {
        if (students.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs two students or more, got " + students.keySet());
        }
        return ensemble(students, meta, true, rule);
    }

    private static OnnxMl.ModelProto ensemble(Map<String, DistillNet> nets, Meta meta, boolean combine,
            EnsembleRule rule) {
        OnnxGraph g = new OnnxGraph("kdml");
        int s = meta.imageSize();
        String x = g.input(INPUT, 3, s, s);
        Normalization n = meta.normalization();
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = (float) n.mean()[c];
            std[c] = (float) n.std()[c];
        }
        String normalised = g.op("Div", List.of(g.op("Sub", List.of(x, g.constant("norm.mean", mean, 1, 3, 1, 1))),
                g.constant("norm.std", std, 1, 3, 1, 1)));
        NetworkGraph writer = new NetworkGraph(g);
        writer.shape(normalised, 3, s, s);
        boolean seg = meta.task() == Task.SEGMENTATION;
        Map<String, String> outputs = new LinkedHashMap<>();
        int channels = meta.classes();
        for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
            String logits = writer.logits(e.getValue(), normalised);
            if (seg) {
                channels = ((UNet) e.getValue()).outputs();
                outputs.put(e.getKey(), channels == 1 ? g.op("Sigmoid", List.of(logits))
                        : g.op("Softmax", List.of(logits), Attr.of("axis", 1L)));
            } else {
                outputs.put(e.getKey(), g.op("Softmax", List.of(logits), Attr.of("axis", 1L)));
            }
        }
        long[] dims = seg ? new long[] {channels, s, s} : new long[] {channels};
        String main = seg && channels == 1 ? FOREGROUND : PROBABILITIES;
        List<String> each = new ArrayList<>(outputs.values());
        if (!combine) {
            g.output(main, each.get(0), dims);
        } else {
            boolean union = seg && channels == 1;
            String combined;
            if (union) {
                combined = g.op("Max", each);
            } else if (!seg && rule == EnsembleRule.MAX) {
                // m / sum(m) over the classes, as softmax(log m): no axes tensor needed.
                combined = g.op("Softmax", List.of(g.op("Log", List.of(g.op("Max", each)))), Attr.of("axis", 1L));
            } else {
                combined = g.op("Mean", each);
            }
            g.output(main, combined, dims);
            if (union) {
                g.output(FOREGROUND_MEAN, g.op("Mean", each), dims);
            }
            outputs.forEach((node, tensor) -> g.output(node, tensor, dims));
        }
        Map<String, String> metadata = new LinkedHashMap<>(meta.metadata());
        metadata.put("kdml.task", meta.task().key());
        metadata.put("kdml.imageSize", String.valueOf(s));
        metadata.put("kdml.classes", String.valueOf(meta.classes()));
        metadata.put("kdml.output", main);
        if (combine && !seg) {
            metadata.put("kdml.ensemble", rule.key());
        }
        metadata.put("kdml.macs", String.valueOf(writer.macs()));
        metadata.put("kdml.normalization.mean", join(n.mean()));
        metadata.put("kdml.normalization.std", join(n.std()));
        return g.model(meta.producerVersion(), metadata);
    }

    private static String join(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(sb.length() == 0 ? "" : ",").append(d);
        }
        return sb.toString();
    }
}
