package org.kdml.core.export;

import ai.onnx.proto.OnnxMl;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * How far ONNX Runtime's output may lie from kdml's forward pass when both compute the same network
 * in float32, derived from the network instead of fixed.
 *
 * <p>Two float32 implementations of one network sum in different orders (ONNX Runtime's MLAS
 * against libtorch/oneDNN, and each of them by instruction set: AVX2, AVX-512), so their logits
 * differ by rounding. A dot product of {@code K} terms rounds with a relative error that grows like
 * {@code √K · ε} (ε = 2⁻²³, float32's unit roundoff) when the rounding errors do not all lean one
 * way, and the errors of {@code L} layers add up the same way, at the scale of the activations. So
 * the logits may differ by about
 * <pre>  Δz ≤ S · ε · √(L · K_max) · (1 + max|z|)</pre>
 * with {@code L} the Conv and Gemm layers of the graph, {@code K_max} the largest fan-in among them,
 * {@code max|z|} the largest logit kdml computed on the checked images, and a safety factor
 * {@code S = }{@value #SAFETY}. Softmax and sigmoid move a probability by at most half a logit's
 * change (their Jacobians' ∞-norm is at most ½), so the probabilities may differ by {@code Δz / 2}:
 * that is {@link #value()}.
 *
 * <p>Example: the full-size ResNet-18 U-Net at 128 px has 29 convolutions and a largest fan-in of
 * 3·3·768 = 6 912, so even with logits near 0 the tolerance is
 * {@code 16 · 1.19e-7 · √(29 · 6912) / 2 = 4.3e-4}, where the 1e-4 fixed before refused a trained one
 * measured at 1.26e-4 on an AVX2 machine. A wrong batch-norm fold or a missing ReLU moves
 * probabilities by 1e-2 or more ({@code OnnxExportIT} checks that both are caught).
 *
 * @param layers Conv and Gemm nodes of the graph (L)
 * @param maxFanIn the largest number of terms one output of them sums (K_max)
 * @param logitScale the largest |logit| of kdml's forward pass on the checked images
 * @param value the largest accepted max-absolute difference of probabilities
 */
public record ExportTolerance(int layers, long maxFanIn, double logitScale, double value) {

    /** float32's unit roundoff, 2⁻²³. */
    public static final double EPSILON = Math.ulp(1.0f);

    /** Safety factor over the estimate. */
    public static final double SAFETY = 16;

    private static final Set<String> LAYERS = Set.of("Conv", "Gemm");

    /** Validates. */
    public ExportTolerance {
        if (layers < 1 || maxFanIn < 1 || !(logitScale >= 0) || !(value > 0)) {
            throw new IllegalArgumentException("export tolerance: layers " + layers + ", fan-in " + maxFanIn
                    + ", logit scale " + logitScale + ", value " + value);
        }
    }

    /**
     * The tolerance of {@code model} (an exported FP32 graph, weights as initialisers) whose logits
     * reached {@code logitScale} in kdml's forward pass.
     *
     * @throws IllegalArgumentException when the graph has no Conv or Gemm layer
     */
    public static ExportTolerance of(OnnxMl.ModelProto model, double logitScale) {
        OnnxMl.GraphProto g = model.getGraph();
        Map<String, OnnxMl.TensorProto> init = new HashMap<>();
        g.getInitializerList().forEach(t -> init.put(t.getName(), t));
        int layers = 0;
        long fanIn = 1;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (!LAYERS.contains(n.getOpType()) || n.getInputCount() < 2) {
                continue;
            }
            layers++;
            OnnxMl.TensorProto w = init.get(n.getInput(1));
            if (w != null && w.getDimsCount() >= 2) {
                long size = 1;
                for (long d : w.getDimsList()) {
                    size *= d;
                }
                fanIn = Math.max(fanIn, size / w.getDims(0));
            }
        }
        if (layers == 0) {
            throw new IllegalArgumentException("export tolerance: the graph has no Conv or Gemm layer");
        }
        double dz = SAFETY * EPSILON * Math.sqrt((double) layers * fanIn) * (1 + logitScale);
        return new ExportTolerance(layers, fanIn, logitScale, dz / 2);
    }
}
