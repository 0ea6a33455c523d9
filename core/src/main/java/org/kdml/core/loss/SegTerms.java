package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.kdml.core.tensor.Tensors;

/**
 * Segmentation loss terms on per-pixel logits (N, C, H, W). With C = 1 the mask is binary and
 * probabilities are {@code sigmoid(z)}; with C > 1 they are {@code softmax} over the channel axis
 * and targets hold class indices. Targets are (N, 1, H, W).
 */
public final class SegTerms {

    /** Dice smoothing: keeps 0/0 defined (empty truth, empty prediction → loss 0). */
    public static final double DICE_SMOOTH = 1.0;

    private SegTerms() {
    }

    /** Stable log-sigmoid: {@code min(z, 0) − log(1 + exp(−|z|))}. */
    static NDArray logSigmoid(NDArray z) {
        return Tensors.minimum(z, 0).sub(Tensors.add(z.abs().neg().exp(), 1).log());
    }

    /** Per-pixel class log-probabilities (N, K, H, W) with K = 2 (background, foreground) for C = 1. */
    static NDArray logProbs(NDArray logits) {
        if (logits.getShape().get(1) == 1) {
            return logSigmoid(logits.neg()).concat(logSigmoid(logits), 1);
        }
        return logits.logSoftmax(1);
    }

    /** One-hot (N, K, H, W) of the targets for the K classes of {@link #logProbs}. */
    static NDArray oneHot(NDArray target, NDArray logits) {
        long c = logits.getShape().get(1);
        int k = c == 1 ? 2 : (int) c;
        NDArray idx = target.squeeze(1).toType(DataType.INT64, false);
        return idx.oneHot(k).transpose(0, 3, 1, 2).toType(logits.getDataType(), false);
    }

    /**
     * Smallest {@code 1 − p_t} the focal weight sees when {@code 0 < γ < 1}: there the derivative
     * {@code γ(1 − p_t)^(γ−1)} is infinite at a saturated pixel ({@code p_t = 1}), and infinity times
     * the zero of {@code log p_t} is NaN. Clamping the base keeps it finite; below the clamp the
     * weight's gradient is 0, which is the true limit of the product's gradient there.
     */
    public static final double FOCAL_BASE_MIN = 1e-6;

    /**
     * Focal loss {@code −(1 − p_t)^γ · log p_t}, averaged over pixels; γ = 0 gives cross-entropy.
     * For {@code 0 < γ < 1} the base {@code 1 − p_t} is clamped at {@value #FOCAL_BASE_MIN}
     * (see there); for γ ≥ 1 the derivative is finite everywhere and nothing is clamped.
     *
     * @param logits (N, C, H, W)
     * @param target (N, 1, H, W): 0/1, or class indices for C > 1
     * @param gamma γ ≥ 0
     */
    public static NDArray focal(NDArray logits, NDArray target, double gamma) {
        if (!(gamma >= 0)) {
            throw new IllegalArgumentException("focal gamma must be >= 0, got " + gamma);
        }
        NDArray logPt = logProbs(logits).mul(oneHot(target, logits)).sum(new int[] {1});
        if (gamma == 0) {
            return logPt.neg().mean();
        }
        NDArray base = Tensors.rsub(1, logPt.exp());
        if (gamma < 1) {
            base = Tensors.maximum(base, FOCAL_BASE_MIN);
        }
        return Tensors.pow(base, gamma).mul(logPt).neg().mean();
    }

    /**
     * Dice loss {@code 1 − (2Σpg + s) / (Σp + Σg + s)} with {@code s = } {@value #DICE_SMOOTH},
     * computed per image over the foreground class(es) and averaged over the batch (and classes).
     *
     * @param probs foreground probabilities (N, C', H, W)
     * @param truth 0/1 truth of the same shape
     */
    public static NDArray diceFromProbabilities(NDArray probs, NDArray truth) {
        int[] axes = {2, 3};
        NDArray inter = probs.mul(truth).sum(axes);
        NDArray denom = probs.sum(axes).add(truth.sum(axes));
        NDArray ratio = Tensors.add(Tensors.mul(inter, 2), DICE_SMOOTH).div(Tensors.add(denom, DICE_SMOOTH));
        return Tensors.rsub(1, ratio).mean();
    }

    /** Dice loss of logits: binary on {@code sigmoid}, multi-class on the softmax of the foreground classes 1..C−1. */
    public static NDArray dice(NDArray logits, NDArray target) {
        if (logits.getShape().get(1) == 1) {
            return diceFromProbabilities(logits.getNDArrayInternal().sigmoid(), target.toType(logits.getDataType(), false));
        }
        NDArray probs = logits.softmax(1);
        NDArray truth = oneHot(target, logits);
        long c = logits.getShape().get(1);
        return diceFromProbabilities(probs.get(":, 1:" + c), truth.get(":, 1:" + c));
    }

    /** The task loss {@code focal + dice}. */
    public static NDArray focalDice(NDArray logits, NDArray target, double gamma) {
        return focal(logits, target, gamma).add(dice(logits, target));
    }

    /**
     * Per-pixel prediction term {@code T² · KL(p_src(T) ‖ p_dst(T))}, summed over classes (two for a
     * binary mask) and averaged over pixels and the batch. The source is detached.
     */
    public static NDArray softKl(NDArray source, NDArray target, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        NDArray logPs = logProbs(Tensors.div(source.stopGradient(), temperature));
        NDArray logPt = logProbs(Tensors.div(target, temperature));
        return Tensors.mul(logPs.exp().mul(logPs.sub(logPt)).sum(new int[] {1}).mean(), Terms.squared(temperature));
    }
}
