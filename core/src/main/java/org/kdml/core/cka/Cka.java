package org.kdml.core.cka;

import java.util.Arrays;

/**
 * Centered Kernel Alignment in double precision.
 *
 * <p>Linear CKA (Kornblith et al. 2019): with column-centred X (n×p₁) and Y (n×p₂),
 * {@code CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F)}. Minibatch CKA (Nguyen et al. 2021) accumulates the
 * unbiased estimator HSIC₁ over fixed-size minibatches, so that a test set of any size streams
 * through with bounded memory. A representation that is constant on the sample has no variance:
 * its CKA with anything is 0/0, returned as an undefined {@link CkaValue} with the reason.
 */
public final class Cka {

    private Cka() {
    }

    /**
     * Linear CKA of two matrices with the same number of rows, computed in feature space or, when
     * there are fewer examples than features, through the centred Gram matrices
     * ({@code ‖YᵀX‖²_F = ⟨HKH, HLH⟩} with K = XXᵀ, L = YYᵀ) — the same value either way.
     *
     * @return the CKA, or undefined when X or Y is constant on the sample (all rows equal: no
     *     variance, so CKA is 0/0)
     */
    public static CkaValue linear(Npy.Matrix x, Npy.Matrix y) {
        requireSameRows(x, y);
        String constant = either(constantReason(x, "X"), constantReason(y, "Y"));
        if (constant != null) {
            return CkaValue.undefined(constant);
        }
        double xy;
        double xx;
        double yy;
        if (x.rows() <= Math.max(x.cols(), y.cols()) && x.rows() <= 4096) {
            int n = x.rows();
            double[] k = centreGram(gram(x, 0, n), n);
            double[] l = centreGram(gram(y, 0, n), n);
            xy = 0;
            xx = 0;
            yy = 0;
            for (int i = 0; i < n * n; i++) {
                xy += k[i] * l[i];
                xx += k[i] * k[i];
                yy += l[i] * l[i];
            }
        } else {
            double[] xc = centred(x);
            double[] yc = centred(y);
            xy = frobeniusSquaredOfCross(yc, y.cols(), xc, x.cols(), x.rows());
            xx = frobeniusSquaredOfCross(xc, x.cols(), xc, x.cols(), x.rows());
            yy = frobeniusSquaredOfCross(yc, y.cols(), yc, y.cols(), y.rows());
        }
        String tiny = either(xx > 0 ? null : "X has no variance that double precision can measure",
                yy > 0 ? null : "Y has no variance that double precision can measure");
        return tiny != null ? CkaValue.undefined(tiny) : CkaValue.of(xy / (Math.sqrt(xx) * Math.sqrt(yy)));
    }

    /**
     * Minibatch CKA of two matrices over consecutive minibatches of {@code batch} rows (the last
     * may be smaller, ≥ 4; a smaller rest is left out): ΣHSIC₁(K,L) / √(ΣHSIC₁(K,K)·ΣHSIC₁(L,L)).
     *
     * @return the CKA, or undefined (constant X or Y, no minibatch of 4 examples, or a self-similarity
     *     that is not positive) with the reason
     */
    public static CkaValue minibatch(Npy.Matrix x, Npy.Matrix y, int batch) {
        requireSameRows(x, y);
        if (batch < 4) {
            throw new IllegalArgumentException("the unbiased estimator needs minibatches of at least 4 examples, got "
                    + batch);
        }
        SelfHsic sx = new SelfHsic("X");
        SelfHsic sy = new SelfHsic("Y");
        double xy = 0;
        for (int start = 0; start < x.rows(); start += batch) {
            int n = Math.min(batch, x.rows() - start);
            if (n < 4) {
                break;
            }
            double[] k = gram(x, start, n);
            double[] l = gram(y, start, n);
            xy += hsic1(k, l, n);
            sx.add(k, n, sx.mayBeConstant() ? SelfHsic.commonRow(x.data(), x.cols(), start, n) : null);
            sy.add(l, n, sy.mayBeConstant() ? SelfHsic.commonRow(y.data(), y.cols(), start, n) : null);
        }
        return SelfHsic.cka(xy, sx, sy);
    }

    /**
     * The unbiased HSIC estimator (Song et al. 2012) with K̃, L̃ = K, L with zeroed diagonals:
     * {@code [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3))}.
     */
    public static double hsic1(double[] k, double[] l, int n) {
        if (n < 4) {
            throw new IllegalArgumentException("the unbiased estimator needs n >= 4 examples, got " + n);
        }
        double trace = 0;
        double sumK = 0;
        double sumL = 0;
        double[] rowK = new double[n];
        double[] rowL = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                double a = k[i * n + j];
                double b = l[i * n + j];
                trace += a * b; // tr(K̃L̃) = Σ_ij K̃_ij L̃_ji, and both are symmetric
                sumK += a;
                sumL += b;
                rowK[i] += a;
                rowL[i] += b;
            }
        }
        double kl1 = 0; // 1ᵀK̃L̃1 = Σ_j (K̃1)_j (L̃1)_j by symmetry
        for (int i = 0; i < n; i++) {
            kl1 += rowK[i] * rowL[i];
        }
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * kl1) / (n * (n - 3.0));
    }

    /** The linear Gram matrix X Xᵀ of rows {@code start..start+n-1}. */
    public static double[] gram(Npy.Matrix x, int start, int n) {
        double[] g = new double[n * n];
        int c = x.cols();
        double[] d = x.data();
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                int a = (start + i) * c;
                int b = (start + j) * c;
                for (int k = 0; k < c; k++) {
                    s += d[a + k] * d[b + k];
                }
                g[i * n + j] = s;
                g[j * n + i] = s;
            }
        }
        return g;
    }

    /** H K H with H = I − 11ᵀ/n. */
    private static double[] centreGram(double[] k, int n) {
        double[] rowMean = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                rowMean[i] += k[i * n + j];
            }
            total += rowMean[i];
            rowMean[i] /= n;
        }
        total /= (double) n * n;
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = k[i * n + j] - rowMean[i] - rowMean[j] + total;
            }
        }
        return out;
    }

    private static void requireSameRows(Npy.Matrix x, Npy.Matrix y) {
        if (x.rows() != y.rows()) {
            throw new IllegalArgumentException("X has " + x.rows() + " examples and Y has " + y.rows()
                    + "; CKA compares the same examples");
        }
        if (x.rows() < 2) {
            throw new IllegalArgumentException("CKA needs at least 2 examples, got " + x.rows());
        }
    }

    /** @return "{@code name} is constant on the sample" when all rows of {@code m} are equal, else null */
    private static String constantReason(Npy.Matrix m, String name) {
        return SelfHsic.commonRow(m.data(), m.cols(), 0, m.rows()) == null ? null
                : name + " is constant on the sample";
    }

    /** @return both reasons joined, the one that is not null, or null */
    private static String either(String a, String b) {
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    private static double[] centred(Npy.Matrix m) {
        double[] out = m.data().clone();
        for (int j = 0; j < m.cols(); j++) {
            double mean = 0;
            for (int i = 0; i < m.rows(); i++) {
                mean += out[i * m.cols() + j];
            }
            mean /= m.rows();
            for (int i = 0; i < m.rows(); i++) {
                out[i * m.cols() + j] -= mean;
            }
        }
        return out;
    }

    /** ‖AᵀB‖²_F for row-major A (n×p) and B (n×q). */
    private static double frobeniusSquaredOfCross(double[] a, int p, double[] b, int q, int n) {
        double total = 0;
        double[] col = new double[q];
        for (int i = 0; i < p; i++) {
            Arrays.fill(col, 0);
            for (int r = 0; r < n; r++) {
                double v = a[r * p + i];
                if (v != 0) {
                    int off = r * q;
                    for (int j = 0; j < q; j++) {
                        col[j] += v * b[off + j];
                    }
                }
            }
            for (double c : col) {
                total += c * c;
            }
        }
        return total;
    }
}
