package org.kdml.core.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.norm.BatchNorm;

/**
 * A convolution's weights with the batch norm that follows it folded in, per output channel and in
 * double: {@code W' = W·γ/√(σ²+ε)}, {@code b' = β + (b − μ)·γ/√(σ²+ε)}. The one owner of that
 * formula, for the ONNX exporter and for a frozen teacher's {@link InferenceGraph}.
 *
 * @param weight the folded weight, in the convolution's (out, in/groups, kh, kw) order
 * @param bias one bias per output channel
 */
public record FoldedConv(float[] weight, float[] bias) {

    /**
     * Folds {@code bn} into {@code conv}'s current weights.
     *
     * @param bn the batch norm after the convolution, or null for the convolution as it is (a
     *     zero bias where it has none)
     */
    public static FoldedConv of(Convolution conv, BatchNorm bn) {
        float[] w = param(conv, "weight").getArray().toFloatArray();
        int out = (int) param(conv, "weight").getArray().getShape().get(0);
        double[] bias = new double[out];
        if (conv.isIncludeBias()) {
            float[] b = param(conv, "bias").getArray().toFloatArray();
            for (int o = 0; o < out; o++) {
                bias[o] = b[o];
            }
        }
        if (bn != null) {
            float[] gamma = param(bn, "gamma").getArray().toFloatArray();
            float[] beta = param(bn, "beta").getArray().toFloatArray();
            float[] mean = param(bn, "runningMean").getArray().toFloatArray();
            float[] var = param(bn, "runningVar").getArray().toFloatArray();
            int per = w.length / out;
            for (int o = 0; o < out; o++) {
                double scale = gamma[o] / Math.sqrt((double) var[o] + Layers.BN_EPSILON);
                for (int j = 0; j < per; j++) {
                    w[o * per + j] = (float) (w[o * per + j] * scale);
                }
                bias[o] = beta[o] + (bias[o] - mean[o]) * scale;
            }
        }
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            b[o] = (float) bias[o];
        }
        return new FoldedConv(w, b);
    }

    /** @return the named parameter of {@code b}, or an error naming the block and the parameter */
    static Parameter param(Block b, String name) {
        Parameter p = b.getParameters().get(name);
        if (p == null) {
            throw new IllegalArgumentException(b.getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return p;
    }
}
