package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.kdml.core.tensor.Tensors;

/**
 * The distillation terms of published feature-based methods, as stateless functions of NDArrays,
 * written after the formulas of the RepDistiller and SimKD reference code: FitNets, attention
 * transfer (AT), similarity preserving (SP), variational information distillation (VID), softmax
 * regression representation learning (SRRL) and semantic calibration (SemCKD).
 *
 * <p>As in {@link Terms}, the <em>source</em> is the teaching side and the <em>target</em> the
 * learning side; every term detaches what the teacher gives ({@code stopGradient}), so no gradient
 * flows into the network that teaches. What a method learns besides the student (a regressor, a
 * variance, an attention embedding) keeps its gradient.
 */
public final class MethodTerms {

    /** The floor under an L2 norm before dividing by it, as {@code F.normalize}: {@code x / max(‖x‖, ε)}. */
    public static final double NORM_EPS = 1e-12;

    private MethodTerms() {
    }

    /**
     * FitNets hint term {@code MSE(f_src, f_dst)}: the mean of squared differences over every
     * element ({@link Terms#featureMse}). The source is detached.
     *
     * @param source the teacher's hint layer
     * @param target the student's guided layer after its regressor, of the same shape
     * @return a scalar
     * @throws IllegalArgumentException when the shapes differ
     */
    public static NDArray mse(NDArray source, NDArray target) {
        return Terms.featureMse(source, target);
    }

    /**
     * Attention map {@code A(f) = v / max(‖v‖₂, ε)} with {@code v = flatten(mean_c f^p)} of shape
     * (N, H·W): the channel mean of the p-th power, flattened per sample and L2-normalised per
     * sample (ε = {@value #NORM_EPS}). Features are post-ReLU, so {@code f^p} is taken as is.
     * Nothing is detached.
     *
     * @param f a feature map (N, C, H, W)
     * @param p the power, > 0 (2 in the reference)
     * @return (N, H·W)
     * @throws IllegalArgumentException when f is not of rank 4 or p is not > 0
     */
    public static NDArray attentionMap(NDArray f, double p) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("attention power p must be > 0, got " + p);
        }
        requireRank4("attention map", f);
        long n = f.getShape().get(0);
        return l2RowNormalize(Tensors.pow(f, p).mean(new int[] {1}).reshape(n, -1));
    }

    /**
     * Attention transfer {@code Σ_l mean_{n,k} (A(s_l) − A(t_l))²}: per layer pair, the mean over
     * the batch and the H·W positions of the squared difference of the {@link #attentionMap}s, summed
     * over the pairs. When a pair's spatial sizes differ, the larger map is average-pooled to the
     * smaller one's size first (an adaptive average pool with an integer ratio per axis: blocks of
     * {@code H/h × W/w}), before the power. Channel counts may differ. The sources are detached.
     *
     * @param source the teacher's maps (N, C_l, H_l, W_l), one per layer
     * @param target the student's maps, as many, in the same order
     * @param p the power of {@link #attentionMap}, > 0
     * @return a scalar
     * @throws IllegalArgumentException when the lists are empty or of different lengths, a map is
     *     not of rank 4, batch sizes differ, or a size is not an integer multiple of the other's
     */
    public static NDArray attentionTransfer(List<NDArray> source, List<NDArray> target, double p) {
        if (source.size() != target.size()) {
            throw new IllegalArgumentException("attention transfer needs as many source as target layers, got "
                    + source.size() + " vs " + target.size());
        }
        if (source.isEmpty()) {
            throw new IllegalArgumentException("attention transfer needs at least one layer pair");
        }
        NDArray total = null;
        for (int l = 0; l < source.size(); l++) {
            NDArray s = source.get(l).stopGradient();
            NDArray t = target.get(l);
            requireRank4("attention transfer source", s);
            requireRank4("attention transfer target", t);
            requireSameBatch(s, t);
            long h = Math.min(s.getShape().get(2), t.getShape().get(2));
            long w = Math.min(s.getShape().get(3), t.getShape().get(3));
            NDArray term = attentionMap(poolTo(s, h, w, s, t), p).sub(attentionMap(poolTo(t, h, w, s, t), p))
                    .square().mean();
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /**
     * The batch Gram matrix {@code G = F·Fᵀ} of {@code F = f.reshape(B, −1)}: {@code G[a,b]} is the
     * inner product of samples a and b (SP's similarity, SemCKD's input to its embeddings). Nothing
     * is detached.
     *
     * @param f any array with the batch on axis 0
     * @return (B, B)
     */
    public static NDArray gram(NDArray f) {
        NDArray flat = f.reshape(f.getShape().get(0), -1);
        return flat.matMul(flat.transpose());
    }

    /**
     * Similarity preserving {@code Σ_{a,b} (Ĝ_t − Ĝ_s)²_{ab} / B²}, where {@code Ĝ} is the
     * {@link #gram} matrix with each row L2-normalised ({@code x / max(‖x‖₂, ε)}). Feature sizes may
     * differ; the batch may not. The source is detached.
     *
     * @param source the teacher's features (B, ...)
     * @param target the student's features (B, ...)
     * @return a scalar
     * @throws IllegalArgumentException when the batch sizes differ
     */
    public static NDArray similarityPreserving(NDArray source, NDArray target) {
        requireSameBatch(source, target);
        long b = source.getShape().get(0);
        NDArray gs = l2RowNormalize(gram(source.stopGradient()));
        NDArray gt = l2RowNormalize(gram(target));
        return Tensors.div(gt.sub(gs).square().sum(), (double) b * b);
    }

    /**
     * Variational information distillation: the mean over every element of the Gaussian negative
     * log-likelihood (without its constant) {@code ½ · ((μ − t)² / σ² + log σ²)}, with a variance per
     * channel {@code σ²_c = softplus(α_c) + ε}, {@code softplus(x) = max(x, 0) + log(1 + exp(−|x|))},
     * broadcast over every axis but the channel axis 1. The teacher's map is detached; the
     * regressor's mean and the log-scale keep their gradients.
     *
     * @param mean the student regressor's output μ (N, C, ...)
     * @param target the teacher's map t, of the same shape
     * @param logScale α, the learnt pre-softplus variance, of shape (C)
     * @param eps ε ≥ 0, the variance floor (1e-5 in the reference)
     * @return a scalar
     * @throws IllegalArgumentException when the shapes do not fit or eps is negative
     */
    public static NDArray vid(NDArray mean, NDArray target, NDArray logScale, double eps) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("vid eps must be >= 0, got " + eps);
        }
        requireSameShape("vid mean", mean, "target", target);
        Shape shape = target.getShape();
        if (shape.dimension() < 2 || logScale.getShape().dimension() != 1
                || logScale.getShape().get(0) != shape.get(1)) {
            throw new IllegalArgumentException("vid log-scale must be (C) for the channels of " + shape + ", got "
                    + logScale.getShape());
        }
        long[] perChannel = new long[shape.dimension()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = shape.get(1);
        NDArray var = Tensors.add(softplus(logScale), eps).reshape(perChannel);
        NDArray nll = mean.sub(target.stopGradient()).square().div(var).add(var.log());
        return Tensors.mul(nll, 0.5).mean();
    }

    /**
     * The log-scale α that starts {@link #vid} at variance {@code v}: {@code softplus(α) + ε = v},
     * i.e. {@code α = log(exp(v − ε) − 1)} (the reference: v = 5, ε = 1e-5).
     *
     * @param initVariance v, > eps
     * @param eps ε ≥ 0
     * @return α, rounded to float
     * @throws IllegalArgumentException when {@code v ≤ ε} or ε is negative
     */
    public static float vidInitialLogScale(double initVariance, double eps) {
        if (!(eps >= 0) || !(initVariance > eps)) {
            throw new IllegalArgumentException("vid initial variance must exceed eps >= 0, got " + initVariance
                    + " and " + eps);
        }
        return (float) Math.log(Math.expm1(initVariance - eps));
    }

    /**
     * SRRL {@code MSE(h_s, h_t) + MSE(W_t·h_s, z_t)}: the student's feature after its connector
     * against the teacher's feature, plus the teacher classifier applied to the connected feature
     * (computed by the caller) against the teacher's logits; each MSE the mean of squared differences.
     * The teacher's feature and logits are detached; the prediction keeps its gradient, which reaches
     * the connector through the (frozen) teacher classifier.
     *
     * @param connected h_s, the student's connected feature
     * @param teacherFeature h_t, of the same shape
     * @param predicted W_t·h_s, the teacher classifier's logits of h_s
     * @param teacherLogits z_t, of the same shape
     * @return a scalar
     * @throws IllegalArgumentException when a pair's shapes differ
     */
    public static NDArray srrl(NDArray connected, NDArray teacherFeature, NDArray predicted, NDArray teacherLogits) {
        requireSameShape("srrl connected feature", connected, "teacher feature", teacherFeature);
        requireSameShape("srrl predicted logits", predicted, "teacher logits", teacherLogits);
        return mse(teacherFeature, connected).add(mse(teacherLogits, predicted));
    }

    /**
     * SemCKD's attention over teacher layers {@code α[b,i,·] = softmax_j(⟨q_i[b], k_j[b]⟩ / τ)}:
     * per sample, student layer i's query against every teacher layer j's key, softmaxed over the
     * teacher layers (the reference's {@code softmax(bmm(query, key) / soft, dim=-1)}, soft = 1).
     * Nothing is detached: the keys are the output of learnt embeddings (fed by the teacher's
     * detached features), and the attention is trained through {@link #semckd}.
     *
     * @param studentQueries q_i (B, d), one per student layer (S in all)
     * @param teacherKeys k_j (B, d), one per teacher layer (T in all)
     * @param temperature τ > 0
     * @return (B, S, T), each row over T summing to 1
     * @throws IllegalArgumentException when a list is empty, a shape is not (B, d) for a common B and
     *     d, or τ is not > 0
     */
    public static NDArray semckdAttention(List<NDArray> studentQueries, List<NDArray> teacherKeys,
            double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (studentQueries.isEmpty() || teacherKeys.isEmpty()) {
            throw new IllegalArgumentException("semckd attention needs at least one query and one key, got "
                    + studentQueries.size() + " and " + teacherKeys.size());
        }
        Shape expected = studentQueries.get(0).getShape();
        if (expected.dimension() != 2) {
            throw new IllegalArgumentException("semckd queries and keys must be (B, d), got " + expected);
        }
        for (List<NDArray> side : List.of(studentQueries, teacherKeys)) {
            for (NDArray a : side) {
                if (!a.getShape().equals(expected)) {
                    throw new IllegalArgumentException("semckd queries and keys must all be " + expected + ", got "
                            + a.getShape());
                }
            }
        }
        NDArray query = NDArrays.stack(new NDList(studentQueries), 1);
        NDArray key = NDArrays.stack(new NDList(teacherKeys), 2);
        return Tensors.div(query.matMul(key), temperature).softmax(2);
    }

    /**
     * SemCKD {@code Σ_{b,i,j} α[b,i,j] · MSE_b(p_ij, t_j) / (B·S)}: for every student layer i and
     * teacher layer j, the per-sample MSE (mean over all but the batch axis) of student layer i
     * projected to teacher layer j's shape against the teacher's map, weighted by the attention,
     * summed over the teacher layers and averaged over the batch and the S student layers (the
     * reference divides the total by {@code bsz · num_stu}). The teacher's maps are detached; the
     * projections and the weights keep their gradients.
     *
     * @param projected p_ij at index {@code i·T + j}, S·T in all
     * @param teacher t_j, T maps (one per teacher layer), or S·T (at {@code i·T + j}) when each
     *     pair's target was pooled to its own size
     * @param weights α (B, S, T), each row over T summing to 1 ({@link #semckdAttention})
     * @return a scalar
     * @throws IllegalArgumentException when the list sizes or shapes do not fit the weights
     */
    public static NDArray semckd(List<NDArray> projected, List<NDArray> teacher, NDArray weights) {
        Shape ws = weights.getShape();
        if (ws.dimension() != 3) {
            throw new IllegalArgumentException("semckd weights must be (B, S, T), got " + ws);
        }
        long b = ws.get(0);
        int s = (int) ws.get(1);
        int t = (int) ws.get(2);
        if (projected.size() != s * t) {
            throw new IllegalArgumentException("semckd weights " + ws + " need " + s * t + " projections, got "
                    + projected.size());
        }
        if (teacher.size() != t && teacher.size() != s * t) {
            throw new IllegalArgumentException("semckd weights " + ws + " need " + t + " or " + s * t
                    + " teacher maps, got " + teacher.size());
        }
        NDList perPair = new NDList(s * t);
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < t; j++) {
                NDArray p = projected.get(i * t + j);
                NDArray goal = teacher.get(teacher.size() == t ? j : i * t + j);
                requireSameShape("semckd projection " + i + "→" + j, p, "teacher map", goal);
                if (p.getShape().get(0) != b) {
                    throw new IllegalArgumentException("semckd projection " + i + "→" + j + " has batch "
                            + p.getShape().get(0) + ", the weights " + b);
                }
                perPair.add(p.sub(goal.stopGradient()).square().reshape(b, -1).mean(new int[] {1}));
            }
        }
        NDArray ind = NDArrays.stack(perPair, 1).reshape(b, s, t);
        return Tensors.div(weights.mul(ind).sum(), (double) b * s);
    }

    /** Stable {@code softplus(x) = max(x, 0) + log(1 + exp(−|x|))}. */
    static NDArray softplus(NDArray x) {
        return Tensors.maximum(x, 0).add(Tensors.add(x.abs().neg().exp(), 1).log());
    }

    /**
     * Each row of a (N, K) array divided by {@code max(‖row‖₂, ε)} ({@code F.normalize(x, dim=1)}),
     * computed as {@code sqrt(max(Σx², ε²))}: the same value, and a finite gradient at a zero row
     * (the square root's derivative at 0 is infinite, and ∞·0 would be NaN).
     */
    public static NDArray l2RowNormalize(NDArray x) {
        NDArray norm = Tensors.maximum(x.square().sum(new int[] {1}, true), NORM_EPS * NORM_EPS).sqrt();
        return x.div(norm);
    }

    /**
     * {@code f} average-pooled in blocks to (h, w) spatially; the pair s, t names the shapes in the
     * message when a size is not an integer multiple of (h, w).
     */
    private static NDArray poolTo(NDArray f, long h, long w, NDArray s, NDArray t) {
        Shape shape = f.getShape();
        long fh = shape.get(2);
        long fw = shape.get(3);
        if (fh == h && fw == w) {
            return f;
        }
        if (fh % h != 0 || fw % w != 0) {
            throw new IllegalArgumentException("spatial sizes are not integer multiples: source " + s.getShape()
                    + " vs target " + t.getShape());
        }
        // One axis at a time: DJL's PyTorch engine reduces a mean over one axis only.
        return f.reshape(shape.get(0), shape.get(1), h, fh / h, w, fw / w).mean(new int[] {5}).mean(new int[] {3});
    }

    private static void requireRank4(String what, NDArray f) {
        if (f.getShape().dimension() != 4) {
            throw new IllegalArgumentException(what + " needs (N, C, H, W), got " + f.getShape());
        }
    }

    private static void requireSameBatch(NDArray source, NDArray target) {
        if (source.getShape().get(0) != target.getShape().get(0)) {
            throw new IllegalArgumentException("batch sizes differ: source " + source.getShape() + " vs target "
                    + target.getShape());
        }
    }

    private static void requireSameShape(String what, NDArray a, String other, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException(what + " " + a.getShape() + " differs from " + other + " "
                    + b.getShape());
        }
    }
}
