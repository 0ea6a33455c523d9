package org.kdml.core.cka;

import java.util.Arrays;

/**
 * One representation's side of a minibatch CKA: ΣHSIC₁(K, K) over the minibatches (its factor of
 * the denominator), and whether its examples were all equal. A representation that is constant
 * on the sample has no self-similarity, so every CKA with it is undefined, not a number.
 */
final class SelfHsic {

    private final String name;
    private double sum;
    private int batches;
    private boolean constantInEveryBatch = true;
    private boolean constantOnSample = true;
    private double[] firstRow;

    /** @param name how reasons name it, e.g. {@code X} or {@code teacher layer logits} */
    SelfHsic(String name) {
        this.name = name;
    }

    /** @return whether every minibatch so far had all its rows equal: only then is the next one's row looked at */
    boolean mayBeConstant() {
        return constantInEveryBatch;
    }

    /**
     * Adds one minibatch.
     *
     * @param gram its n×n linear Gram matrix, row-major
     * @param n its examples, at least 4
     * @param commonRow the row all n examples share, or null when they differ; ignored unless
     *     {@link #mayBeConstant()}
     */
    void add(double[] gram, int n, double[] commonRow) {
        sum += Cka.hsic1(gram, gram, n);
        batches++;
        if (!constantInEveryBatch) {
            return;
        }
        if (commonRow == null) {
            constantInEveryBatch = false;
            constantOnSample = false;
            firstRow = null;
        } else if (firstRow == null) {
            firstRow = commonRow;
        } else if (constantOnSample && !sameValues(firstRow, commonRow)) {
            constantOnSample = false;
        }
    }

    /**
     * The CKA of two accumulated sides, given ΣHSIC₁(K, L) over the same minibatches.
     *
     * @return {@code ΣHSIC₁(K,L) / √(ΣHSIC₁(K,K)·ΣHSIC₁(L,L))}, or undefined with the reason
     */
    static CkaValue cka(double crossSum, SelfHsic a, SelfHsic b) {
        if (a.batches == 0 || b.batches == 0) {
            return CkaValue.undefined("no minibatch had at least 4 examples");
        }
        String ra = a.undefinedReason();
        String rb = b.undefinedReason();
        if (ra == null && rb == null) {
            return CkaValue.of(crossSum / (Math.sqrt(a.sum) * Math.sqrt(b.sum)));
        }
        if (ra == null || rb == null || ra.equals(rb)) {
            return CkaValue.undefined(ra == null ? rb : ra);
        }
        return CkaValue.undefined(ra + "; " + rb);
    }

    /** @return why a CKA with this side is undefined, or null when it is not */
    String undefinedReason() {
        if (constantOnSample) {
            return name + " is constant on the sample";
        }
        if (constantInEveryBatch) {
            return name + " is constant within every minibatch";
        }
        if (!(sum > 0)) {
            return name + " varies too little within its minibatches: its unbiased self-similarity"
                    + " (HSIC summed over minibatches) is " + sum + ", not positive";
        }
        return null;
    }

    /**
     * @return row {@code start} of the row-major {@code data} (n rows of {@code cols}) when rows
     *     {@code start..start+n-1} are all equal to it, else null
     */
    static double[] commonRow(double[] data, int cols, int start, int n) {
        int first = start * cols;
        for (int r = 1; r < n; r++) {
            int off = (start + r) * cols;
            for (int c = 0; c < cols; c++) {
                if (data[off + c] != data[first + c]) {
                    return null;
                }
            }
        }
        return Arrays.copyOfRange(data, first, first + cols);
    }

    /** Equal as numbers (so 0.0 equals -0.0), element by element. */
    private static boolean sameValues(double[] a, double[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
}
