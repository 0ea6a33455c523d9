package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.kdml.core.tensor.Tensors;

/**
 * Loss terms of existing segmentation distillation methods (docs/method.md, "Existing methods"),
 * as stateless functions of NDArrays. Logits are (N, C, H, W), C = 1 for binary masks; masks are
 * (N, 1, H, W) of 0/1 at the input's size. Every term detaches its source (the first argument,
 * the teaching network's map). Formulas follow the reference code of CIRKD (CWD, IFVD, SKD's
 * hinge terms), SKD (pair-wise) and EMKD (importance maps, region affinity); each method's
 * javadoc names where it departs from it.
 */
public final class SegMethodTerms {

    /** Guards the cosine's denominator (torch's {@code CosineSimilarity} default). */
    public static final double COS_EPS = 1e-8;

    /** Guards a class centre's denominator when the class is absent (CIRKD's IFVD). */
    public static final double CENTRE_EPS = 1e-6;

    /** Added to a region's pixel count (EMKD's {@code smooth}), so that an absent region gives 0, not 0/0. */
    public static final double REGION_SMOOTH = 1.0;

    private SegMethodTerms() {
    }

    /**
     * Channel-wise distillation (Shu et al., ICCV 2021): each channel's map becomes a distribution
     * over the H·W positions, {@code p_c = softmax_HW(y_c/τ)}, and
     * {@code τ²/(N·C) · Σ_{n,c} Σ_hw p^S_c·(log p^S_c − log p^T_c)} with S the source (CIRKD's
     * {@code CriterionCWD} with {@code norm_type='channel'}, {@code divergence='kl'}). On binary logits
     * (C = 1) the sum is over the single channel, the foreground logit z: no background channel −z is
     * added (its spatial softmax would be a second, different distribution), and the divisor is N.
     * Works on any map, logits or features, of equal shapes (CIRKD's 1×1 conv for unequal channels
     * is not part of the term).
     *
     * @param source the teacher's map (N, C, H, W), detached
     * @param target the student's map of the same shape
     * @param tau the temperature τ > 0
     */
    public static NDArray cwd(NDArray source, NDArray target, double tau) {
        sameShape("cwd", source, target);
        if (!(tau > 0)) {
            throw new IllegalArgumentException("cwd: tau must be > 0, got " + tau);
        }
        Shape s = source.getShape();
        long n = s.get(0);
        long c = s.get(1);
        Shape flat = new Shape(n, c, s.get(2) * s.get(3));
        NDArray logPs = Tensors.div(source.stopGradient().reshape(flat), tau).logSoftmax(2);
        NDArray logPt = Tensors.div(target.reshape(flat), tau).logSoftmax(2);
        NDArray kl = logPs.exp().mul(logPs.sub(logPt)).sum();
        return Tensors.mul(kl, (double) ((float) tau * (float) tau) / (n * c));
    }

    /**
     * Intra-class feature variation distillation (Wang et al., ECCV 2020; CIRKD's
     * {@code CriterionIFV}): masks downsampled to the feature's size by nearest neighbour; per image
     * and class k (background, foreground) the centre {@code c_k = Σ f·m_k / (Σ m_k + 1e-6)}; each
     * pixel's similarity {@code cos(f_hw, c_{y_hw})}; the loss is the mean over pixels of
     * {@code (cos_S − cos_T)²}. Teacher and student may have different channel counts.
     *
     * @param source the teacher's feature (N, C_T, h, w), detached
     * @param target the student's feature (N, C_S, h, w)
     * @param mask the truth (N, 1, H, W), H a whole multiple of h
     */
    public static NDArray ifvd(NDArray source, NDArray target, NDArray mask) {
        sameSides("ifvd", source, target);
        NDArray m = downsample(mask, source).toType(source.getDataType(), false);
        NDArray cs = centreSimilarity(source.stopGradient(), m);
        NDArray ct = centreSimilarity(target, m);
        return ct.sub(cs).square().mean();
    }

    /** Per pixel (N, h, w): the cosine between the feature and its class's centre. */
    private static NDArray centreSimilarity(NDArray f, NDArray fg) {
        NDArray bg = Tensors.rsub(1, fg);
        NDArray centre = centre(f, bg, CENTRE_EPS, 0).mul(bg).add(centre(f, fg, CENTRE_EPS, 0).mul(fg));
        return cosine(f, centre, 1);
    }

    /** {@code Σ_hw f·m / (Σ_hw m + eps + smooth)} as (N, C, 1, 1). */
    private static NDArray centre(NDArray f, NDArray m, double eps, double smooth) {
        int[] hw = {2, 3};
        NDArray sum = f.mul(m).sum(hw, true);
        return sum.div(Tensors.add(m.sum(hw, true), eps + smooth));
    }

    /**
     * Cosine similarity along {@code axis}, {@code a·b / sqrt(max(|a|²·|b|², 1e-16))} — torch's
     * {@code max(|a|·|b|, 1e-8)} in value, with a finite gradient where a vector is zero (the
     * square root's derivative at 0 is infinite).
     */
    static NDArray cosine(NDArray a, NDArray b, int axis) {
        NDArray dot = a.mul(b).sum(new int[] {axis});
        NDArray squares = a.square().sum(new int[] {axis}).mul(b.square().sum(new int[] {axis}));
        return dot.div(Tensors.maximum(squares, COS_EPS * COS_EPS).sqrt());
    }

    /** {@code max(‖x‖₂, eps)} along {@code axis} (kept), with a finite gradient at zero. */
    private static NDArray norm(NDArray x, int axis, double eps) {
        return Tensors.maximum(x.square().sum(new int[] {axis}, true), eps * eps).sqrt();
    }

    /**
     * EMKD's importance maps (attention transfer with exponent p): {@code at(x) =
     * normalise(mean_c(x^p))} flattened to (N, h·w), L2-normalised (ε 1e-12); the loss is
     * {@code mean_n Σ_hw (at_S − at_T)²}. EMKD resizes a student's map of other sides bilinearly to
     * the teacher's; here the sides must be equal (the caller resizes).
     *
     * @param source the teacher's map (N, C_T, h, w), detached
     * @param target the student's map (N, C_S, h, w), same sides
     * @param p the exponent (EMKD's {@code exp}, 4 there); a non-integer p needs non-negative maps
     * @throws IllegalArgumentException when N, h or w differ
     */
    public static NDArray importanceMaps(NDArray source, NDArray target, double p) {
        sameSides("importanceMaps", source, target);
        NDArray as = attention(source.stopGradient(), p);
        NDArray at = attention(target, p);
        return at.sub(as).square().sum(new int[] {1}).mean();
    }

    private static NDArray attention(NDArray f, double p) {
        long n = f.getShape().get(0);
        NDArray a = Tensors.pow(f, p).mean(new int[] {1}).reshape(n, -1);
        return a.div(norm(a, 1, 1e-12));
    }

    /**
     * EMKD's region affinity ({@code region_affinity_distillation}): with the mask downsampled
     * (nearest) to the map's size, the background and foreground prototypes
     * {@code r_k = Σ_hw f·m_k / (Σ_hw m_k + 1)} (C), their cosine per image, and the loss
     * {@code mean_n (cos_S − cos_T)²}.
     *
     * <p>EMKD's {@code region_contrast} adds its {@code smooth = 1} to the foreground's count only and
     * divides the background's sum by its bare count. Each prototype is one vector and the cosine
     * ignores a positive scale, so the value is the same wherever the background is present; where it
     * is absent (an all-foreground mask) EMKD's 0/0 is NaN, and here {@code r_bg = 0} and the cosine 0.
     *
     * @param source the teacher's map (N, C_T, h, w), detached
     * @param target the student's map (N, C_S, h, w), same sides
     * @param mask the truth (N, 1, H, W)
     */
    public static NDArray regionAffinity(NDArray source, NDArray target, NDArray mask) {
        sameSides("regionAffinity", source, target);
        NDArray fg = downsample(mask, source).toType(source.getDataType(), false);
        NDArray bg = Tensors.rsub(1, fg);
        return contrast(target, fg, bg).sub(contrast(source.stopGradient(), fg, bg)).square().mean();
    }

    private static NDArray contrast(NDArray f, NDArray fg, NDArray bg) {
        NDArray rb = centre(f, bg, 0, REGION_SMOOTH).squeeze(new int[] {2, 3});
        NDArray rf = centre(f, fg, 0, REGION_SMOOTH).squeeze(new int[] {2, 3});
        return cosine(rb, rf, 1);
    }

    /**
     * Pixel-wise KD (SKD's, IFVD's and EMKD's {@code prediction_map_distillation}):
     * {@code τ²·KL(p_S(τ) ‖ p_T(τ))} per pixel, summed over the classes (background {@code σ(−z)} and
     * foreground {@code σ(z)} for C = 1), averaged over pixels and the batch, as
     * {@link SegTerms#softKl}. SKD's pixel-wise term is the cross-entropy {@code −Σ p_S log p_T}: it
     * differs by the source's entropy, a constant, so the gradient is the same.
     *
     * @param source the teacher's logits (N, C, H, W), detached
     * @param target the student's logits of the same shape
     * @param tau the temperature τ > 0
     * @throws IllegalArgumentException when the shapes differ or τ ≤ 0
     */
    public static NDArray pixelKl(NDArray source, NDArray target, double tau) {
        sameShape("pixelKl", source, target);
        return SegTerms.softKl(source, target, tau);
    }

    /**
     * SKD's pair-wise term (Liu et al., CVPR 2019; {@code CriterionPairWiseforWholeFeatAfterPool} in
     * SKD's code, {@code CriterionStructuralKD} in CIRKD's): both maps max-pooled with kernel = stride
     * = {@code pool} and {@code ceil_mode} (a partial window at the right or bottom edge is a node of
     * its own), flattened to the M nodes' channel vectors {@code X} (N, C, M), each L2-normalised
     * ({@code x / max(‖x‖, 1e-8)}), the affinity {@code A = Xᵀ X} (N, M, M), and
     * {@code Σ (A_S − A_T)² / M² / N}. Teacher and student may have different channel counts.
     *
     * <p>Both reference codes pool by maximum. SKD's divides by {@code ‖x‖ + 1e-8} with the norm
     * detached (gradient through the division only); CIRKD's ({@code F.normalize}) and this one
     * differentiate through the norm too. The values agree to the epsilon.
     *
     * @param source the teacher's map (N, C_T, h, w), detached
     * @param target the student's map (N, C_S, h, w), same sides
     * @param pool the node's side β, 1 ≤ β ≤ min(h, w) (SKD: β = h/2, CIRKD: 2)
     * @throws IllegalArgumentException when the sides differ or {@code pool} is out of range
     */
    public static NDArray pairwise(NDArray source, NDArray target, int pool) {
        sameSides("pairwise", source, target);
        Shape s = source.getShape();
        if (pool < 1 || pool > s.get(2) || pool > s.get(3)) {
            throw new IllegalArgumentException("pairwise: a " + s.get(2) + "x" + s.get(3) + " map does not pool by "
                    + pool);
        }
        NDArray as = affinity(source.stopGradient(), pool);
        NDArray at = affinity(target, pool);
        long n = as.getShape().get(0);
        long m = as.getShape().get(1);
        return Tensors.div(at.sub(as).square().sum(), (double) m * m * n);
    }

    /** The nodes' cosine affinity (N, M, M) after a {@code pool}×{@code pool} max pooling (ceil mode). */
    private static NDArray affinity(NDArray f, int pool) {
        Shape k = new Shape(pool, pool);
        NDArray x = pool == 1 ? f : Pool.maxPool2d(f, k, k, new Shape(0, 0), true);
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        NDArray flat = x.reshape(n, c, -1);
        NDArray unit = flat.div(norm(flat, 1, COS_EPS));
        return unit.transpose(0, 2, 1).matMul(unit);
    }

    /**
     * SKD's holistic term for the student (CIRKD's {@code CriterionAdvForG}, hinge):
     * {@code −mean(D(S))}. The scores keep their gradient (the discriminator's weights are the
     * caller's to freeze or not).
     *
     * @param fakeScores the discriminator's scores of the student's maps, any non-empty shape
     * @throws IllegalArgumentException when there are no scores
     */
    public static NDArray hingeGenerator(NDArray fakeScores) {
        if (fakeScores.size() == 0) {
            throw new IllegalArgumentException("hingeGenerator: no scores, shape " + fakeScores.getShape());
        }
        return fakeScores.mean().neg();
    }

    /**
     * SKD's discriminator loss (CIRKD's {@code CriterionAdv}, hinge):
     * {@code mean(relu(1 − D(T))) + mean(relu(1 + D(S)))}. Both scores keep their gradient: the caller
     * detaches the maps it feeds the discriminator.
     *
     * @param realScores the scores of the teacher's maps
     * @param fakeScores the scores of the student's maps, of the same shape (as CIRKD asserts)
     * @throws IllegalArgumentException when the shapes differ or there are no scores
     */
    public static NDArray hingeDiscriminator(NDArray realScores, NDArray fakeScores) {
        if (!realScores.getShape().equals(fakeScores.getShape()) || realScores.size() == 0) {
            throw new IllegalArgumentException("hingeDiscriminator: real " + realScores.getShape() + " and fake "
                    + fakeScores.getShape() + " scores must be of one non-empty shape");
        }
        NDArray real = Tensors.maximum(Tensors.rsub(1, realScores), 0).mean();
        NDArray fake = Tensors.maximum(Tensors.add(fakeScores, 1), 0).mean();
        return real.add(fake);
    }

    /**
     * DSD's pixel-wise similarity (Feng et al., IEEE TIP 2021; {@code CriterionPSD} in CIRKD's DSD
     * code): per level l an attention map {@code v_l = mean_c(f_l^p)}, block-averaged to the
     * smallest level's sides (the maps' own sides differ: DSD interpolates them to one size), flattened
     * and L2-normalised to {@code A_l} (N, h·w); for every pair of levels n < m the residual attention
     * {@code R_nm = (A_m − A_n) / max(‖A_m − A_n‖, 1e-12)} per image; the loss is the mean over the K
     * pairs of {@code mean_{n,hw}(R^S − R^T)²}. The reference normalises R a second time, which
     * changes nothing. Channel counts may differ between levels and networks.
     *
     * @param source the teacher's levels, each (N, C_l, H_l, W_l), detached
     * @param target the student's levels, as many, with the same sides as the source's
     * @param p the exponent of the attention maps (2 in the reference)
     * @throws IllegalArgumentException when there are fewer than two levels, the lists differ in
     *     length, or a level's sides differ between the networks or are not a whole multiple of the
     *     smallest
     */
    public static NDArray residualAttention(List<NDArray> source, List<NDArray> target, double p) {
        if (source.size() != target.size() || source.size() < 2) {
            throw new IllegalArgumentException("residualAttention: needs two or more levels, as many in source and"
                    + " target, got " + source.size() + " and " + target.size());
        }
        long h = Long.MAX_VALUE;
        long w = Long.MAX_VALUE;
        for (int l = 0; l < source.size(); l++) {
            sameSides("residualAttention level " + l, source.get(l), target.get(l));
            h = Math.min(h, source.get(l).getShape().get(2));
            w = Math.min(w, source.get(l).getShape().get(3));
        }
        List<NDArray> rs = residuals(source.stream().map(NDArray::stopGradient).toList(), h, w, p);
        List<NDArray> rt = residuals(target, h, w, p);
        NDArray sum = null;
        for (int k = 0; k < rs.size(); k++) {
            NDArray term = rt.get(k).sub(rs.get(k)).square().mean();
            sum = sum == null ? term : sum.add(term);
        }
        return Tensors.div(sum, rs.size());
    }

    /** The normalised residual attention maps of one network's levels, pairs (n, m) with n < m in order. */
    private static List<NDArray> residuals(List<NDArray> levels, long h, long w, double p) {
        List<NDArray> maps = new ArrayList<>();
        for (NDArray f : levels) {
            Shape s = f.getShape();
            long fh = s.get(2);
            long fw = s.get(3);
            if (fh % h != 0 || fw % w != 0) {
                throw new IllegalArgumentException("residualAttention: a " + fh + "x" + fw + " level does not"
                        + " average down to " + h + "x" + w);
            }
            NDArray v = Tensors.pow(f, p).mean(new int[] {1});
            // One axis at a time: DJL's PyTorch engine reduces a mean over one axis only.
            NDArray pooled = v.reshape(s.get(0), h, fh / h, w, fw / w).mean(new int[] {4}).mean(new int[] {2});
            NDArray flat = pooled.reshape(s.get(0), h * w);
            maps.add(flat.div(norm(flat, 1, MethodTerms.NORM_EPS)));
        }
        List<NDArray> out = new ArrayList<>();
        for (int n = 0; n < maps.size() - 1; n++) {
            for (int m = n + 1; m < maps.size(); m++) {
                NDArray r = maps.get(m).sub(maps.get(n));
                out.add(r.div(norm(r, 1, MethodTerms.NORM_EPS)));
            }
        }
        return out;
    }

    /**
     * DSD's class-wise similarity ({@code CriterionCSD}): both logit maps average-pooled 2×2 (stride
     * 2, ceil mode), each class's map softened into a distribution over the positions,
     * {@code P_c = softmax_hw(z_c/τ)}, the class similarity {@code P·Pᵀ} (N, C, C), and the mean of
     * the squared differences of the two networks' matrices.
     *
     * <p>Binary masks have one output channel, where the class similarity would be the 1×1 matrix
     * {@code Σ_hw P²} — a measure of how peaked one map is, with no relation between classes in it.
     * Here a single channel z becomes the two-class logits (−z/2, z/2), whose softmax over the
     * classes is the sigmoid that kdml's binary U-Nets predict with; the matrix is then 2×2.
     *
     * @param source the teacher's logits (N, C, H, W), detached
     * @param target the student's logits of the same shape
     * @param tau the temperature τ > 0 (4 in the reference)
     * @throws IllegalArgumentException when the shapes differ or τ ≤ 0
     */
    public static NDArray classSimilarity(NDArray source, NDArray target, double tau) {
        sameShape("classSimilarity", source, target);
        if (!(tau > 0)) {
            throw new IllegalArgumentException("classSimilarity: tau must be > 0, got " + tau);
        }
        NDArray ss = classMatrix(source.stopGradient(), tau);
        NDArray st = classMatrix(target, tau);
        return st.sub(ss).square().mean();
    }

    private static NDArray classMatrix(NDArray z, double tau) {
        NDArray classes = z.getShape().get(1) == 1
                ? NDArrays.concat(new NDList(Tensors.mul(z, -0.5), Tensors.mul(z, 0.5)), 1) : z;
        Shape k = new Shape(2, 2);
        NDArray pooled = Pool.avgPool2d(classes, k, k, new Shape(0, 0), true, true);
        Shape s = pooled.getShape();
        NDArray prob = Tensors.div(pooled.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)), tau).softmax(2);
        return prob.matMul(prob.transpose(0, 2, 1));
    }

    /**
     * {@code mask} at {@code like}'s sides by nearest neighbour, as torch's
     * {@code F.interpolate(mode='nearest')} for whole ratios: every r-th pixel from the first.
     */
    static NDArray downsample(NDArray mask, NDArray like) {
        long h = mask.getShape().get(2);
        long w = mask.getShape().get(3);
        long th = like.getShape().get(2);
        long tw = like.getShape().get(3);
        if (h == th && w == tw) {
            return mask;
        }
        if (h % th != 0 || w % tw != 0) {
            throw new IllegalArgumentException("a " + h + "x" + w + " mask does not downsample to a " + th + "x" + tw
                    + " map");
        }
        long rh = h / th;
        long rw = w / tw;
        return mask.toType(DataType.FLOAT32, false).get(":, :, ::" + rh + ", ::" + rw);
    }

    private static void sameShape(String term, NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException(term + ": shapes differ: source " + a.getShape() + " vs target "
                    + b.getShape());
        }
    }

    private static void sameSides(String term, NDArray a, NDArray b) {
        Shape s = a.getShape();
        Shape t = b.getShape();
        if (s.dimension() != 4 || t.dimension() != 4 || s.get(0) != t.get(0) || s.get(2) != t.get(2)
                || s.get(3) != t.get(3)) {
            throw new IllegalArgumentException(term + ": maps must be (N, C, h, w) of equal N, h, w: source " + s
                    + " vs target " + t);
        }
    }
}
