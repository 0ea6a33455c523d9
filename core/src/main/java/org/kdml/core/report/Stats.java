package org.kdml.core.report;

import org.kdml.spec.Summary;

/**
 * A paired t-test over seeds, with the two-sided p-value from Student's t distribution; the mean and
 * standard deviation of the differences come from {@link Summary}.
 */
public final class Stats {

    private Stats() {
    }

    /**
     * The paired t-test of {@code a − b}.
     *
     * @param meanDiff mean of the differences
     * @param t the t statistic (NaN with fewer than 2 pairs or zero variance)
     * @param df degrees of freedom (pairs − 1)
     * @param p two-sided p-value (NaN when undefined)
     */
    public record Paired(double meanDiff, double t, int df, double p) {
    }

    /** Paired t-test of equal-length samples. */
    public static Paired pairedT(double[] a, double[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("need paired samples of equal, non-zero length, got " + a.length + " and "
                    + b.length);
        }
        int n = a.length;
        double[] diffs = new double[n];
        for (int i = 0; i < n; i++) {
            diffs[i] = a[i] - b[i];
        }
        Summary d = Summary.of(diffs);
        double mean = d.mean();
        if (n < 2) {
            return new Paired(mean, Double.NaN, 0, Double.NaN);
        }
        double sd = d.std();
        if (sd == 0) {
            return new Paired(mean, Double.NaN, n - 1, mean == 0 ? 1.0 : Double.NaN);
        }
        double t = mean / (sd / Math.sqrt(n));
        int df = n - 1;
        return new Paired(mean, t, df, twoSidedP(t, df));
    }

    /** Two-sided p-value of Student's t with {@code df} degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
    public static double twoSidedP(double t, int df) {
        double x = df / (df + t * t);
        return regularizedBeta(x, df / 2.0, 0.5);
    }

    /** The regularised incomplete beta function I_x(a, b) by its continued fraction (Numerical Recipes). */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
        if (x < (a + 1) / (a + b + 2)) {
            return Math.exp(lnFront) * continuedFraction(x, a, b) / a;
        }
        return 1 - Math.exp(lnFront) * continuedFraction(1 - x, b, a) / b;
    }

    private static double continuedFraction(double x, double a, double b) {
        double tiny = 1e-300;
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - qab * x / qap;
        d = Math.abs(d) < tiny ? tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-14) {
                break;
            }
        }
        return h;
    }

    /** ln Γ(x), Lanczos approximation (g = 7, n = 9). */
    static double lnGamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
        }
        x -= 1;
        double s = c[0];
        for (int i = 1; i < 9; i++) {
            s += c[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
    }
}
