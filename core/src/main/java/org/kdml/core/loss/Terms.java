package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.kdml.core.tensor.Tensors;

/**
 * The loss terms of docs/method.md ("Task losses", "Prediction term", "Feature term") as stateless
 * functions of NDArrays. Every distillation term detaches its source: no gradient flows from a term
 * into the network that teaches.
 */
public final class Terms {

    private Terms() {
    }

    /**
     * Task loss: mean cross-entropy {@code -Σ y_i log p_i(z, 1)} over the batch.
     *
     * @param logits (N, C)
     * @param labels (N) class indices
     * @return a scalar
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(1);
        NDArray oneHot = labels.toType(DataType.INT64, false).oneHot((int) logits.getShape().get(1));
        return logp.mul(oneHot.toType(logp.getDataType(), false)).sum(new int[] {1}).mean().neg();
    }

    /**
     * Prediction term {@code T² · KL(p_src(T) ‖ p_dst(T))}, summed over classes and averaged over
     * the batch ("batchmean"). The source is detached.
     *
     * @param source the teaching logits (N, C)
     * @param target the learning logits (N, C)
     * @param temperature T > 0
     * @return a scalar
     */
    public static NDArray softKl(NDArray source, NDArray target, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        NDArray logPs = Tensors.div(source.stopGradient(), temperature).logSoftmax(1);
        NDArray logPt = Tensors.div(target, temperature).logSoftmax(1);
        NDArray kl = logPs.exp().mul(logPs.sub(logPt)).sum(new int[] {1}).mean();
        return Tensors.mul(kl, squared(temperature));
    }

    /** {@code T²} as the float the terms multiply by (T rounded to float first, then squared). */
    static double squared(double temperature) {
        float t = (float) temperature;
        return t * t;
    }

    /**
     * Feature term {@code MSE(f_src, f_dst)}: the mean of squared differences over every element.
     * The source is detached.
     *
     * @param source the teaching feature map
     * @param target the learning feature map, of the same shape
     * @return a scalar
     */
    public static NDArray featureMse(NDArray source, NDArray target) {
        if (!source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("feature shapes differ: source " + source.getShape()
                    + " vs target " + target.getShape());
        }
        return target.sub(source.stopGradient()).square().mean();
    }
}
