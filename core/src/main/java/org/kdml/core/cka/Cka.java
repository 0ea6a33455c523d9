package org.kdml.core.cka;

/**
 * Centered Kernel Alignment in double precision.
 *
 * <p>Linear CKA (Kornblith et al. 2019): with column-centred X (n×p₁) and Y (n×p₂),
 * {@code CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F)}. Minibatch CKA (Nguyen et al. 2021) accumulates the
 * unbiased estimator HSIC₁ over fixed-size minibatches — see {@link Accumulator} — so that a test set
 * of any size streams through with bounded memory.
 */
public final class Cka {

    private Cka() {
    }

    /**
     * Linear CKA of two matrices with the same number of rows, computed in feature space or, when
     * there are fewer examples than features, through the centred Gram matrices
     * ({@code ‖YᵀX‖²_F = ⟨HKH, HLH⟩} with K = XXᵀ, L = YYᵀ) — the same value either way.
     */
    public static double linear(Npy.Matrix x, Npy.Matrix y) {
        requireSameRows(x, y);
        if (x.rows() <= Math.max(x.cols(), y.cols()) && x.rows() <= 4096) {
            int n = x.rows();
            double[] k = centreGram(gram(x, 0, n), n);
            double[] l = centreGram(gram(y, 0, n), n);
            double kl = 0;
            double kk = 0;
            double ll = 0;
            for (int i = 0; i < n * n; i++) {
                kl += k[i] * l[i];
                kk += k[i] * k[i];
                ll += l[i] * l[i];
            }
            return kl / Math.sqrt(kk * ll);
        }
        return linearInFeatureSpace(x, y);
    }

    /** Linear CKA through the p₁×p₂ cross-covariance (the definition, for many examples and few features). */
    static double linearInFeatureSpace(Npy.Matrix x, Npy.Matrix y) {
        requireSameRows(x, y);
        double[] xc = centred(x);
        double[] yc = centred(y);
        double xy = frobeniusSquaredOfCross(yc, y.cols(), xc, x.cols(), x.rows());
        double xx = frobeniusSquaredOfCross(xc, x.cols(), xc, x.cols(), x.rows());
        double yy = frobeniusSquaredOfCross(yc, y.cols(), yc, y.cols(), y.rows());
        return xy / Math.sqrt(xx * yy);
    }

    /** Minibatch CKA of two matrices over consecutive minibatches of {@code batch} rows (the last may be smaller, ≥ 4). */
    public static double minibatch(Npy.Matrix x, Npy.Matrix y, int batch) {
        requireSameRows(x, y);
        if (batch < 4) {
            throw new IllegalArgumentException("the unbiased estimator needs minibatches of at least 4 examples, got "
                    + batch);
        }
        Accumulator acc = new Accumulator();
        for (int start = 0; start < x.rows(); start += batch) {
            int n = Math.min(batch, x.rows() - start);
            if (n < 4) {
                break;
            }
            acc.add(gram(x, start, n), gram(y, start, n), n);
        }
        return acc.value();
    }

    /**
     * Sums HSIC₁(K, L), HSIC₁(K, K) and HSIC₁(L, L) over minibatches; CKA = ΣHSIC₁(K,L) /
     * √(ΣHSIC₁(K,K)·ΣHSIC₁(L,L)).
     */
    public static final class Accumulator {
        private double kl;
        private double kk;
        private double ll;

        /** Adds one minibatch given its two n×n Gram matrices (row-major). */
        public void add(double[] k, double[] l, int n) {
            kl += hsic1(k, l, n);
            kk += hsic1(k, k, n);
            ll += hsic1(l, l, n);
        }

        /** @return the CKA of what was added */
        public double value() {
            return kl / Math.sqrt(kk * ll);
        }
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
            java.util.Arrays.fill(col, 0);
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
