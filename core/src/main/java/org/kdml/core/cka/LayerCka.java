package org.kdml.core.cka;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.function.BiFunction;
import org.kdml.core.model.DistillNet;

/**
 * Minibatch CKA between every layer of one network and every layer of another, streamed over a
 * data set batch by batch (memory: one batch of activations and two n×n Gram matrices per layer).
 *
 * @param rows layer names of the first network
 * @param cols layer names of the second network
 * @param values {@code values[i][j]} = CKA(rows[i], cols[j])
 */
public record LayerCka(List<String> rows, List<String> cols, double[][] values) {

    /**
     * Computes the matrix.
     *
     * @param a the first network
     * @param b the second network
     * @param batches how many minibatches there are
     * @param batch returns minibatch {@code i} as an (N, 3, S, S) array in the given manager
     * @param manager parent of each batch's sub-manager
     */
    public static LayerCka compute(DistillNet a, DistillNet b, int batches,
            BiFunction<Integer, NDManager, NDArray> batch, NDManager manager) {
        List<String> ra = a.layerNames();
        List<String> rb = b.layerNames();
        double[][] kl = new double[ra.size()][rb.size()];
        double[] kk = new double[ra.size()];
        double[] ll = new double[rb.size()];
        ParameterStore ps = new ParameterStore(manager, false);
        for (int i = 0; i < batches; i++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray x = batch.apply(i, step);
                int n = (int) x.getShape().get(0);
                if (n < 4) {
                    continue;
                }
                double[][] ga = grams(a.forwardAll(ps, x, false), n);
                double[][] gb = grams(b.forwardAll(ps, x, false), n);
                for (int p = 0; p < ga.length; p++) {
                    kk[p] += Cka.hsic1(ga[p], ga[p], n);
                    for (int q = 0; q < gb.length; q++) {
                        kl[p][q] += Cka.hsic1(ga[p], gb[q], n);
                    }
                }
                for (int q = 0; q < gb.length; q++) {
                    ll[q] += Cka.hsic1(gb[q], gb[q], n);
                }
            }
        }
        double[][] values = new double[ra.size()][rb.size()];
        for (int p = 0; p < ra.size(); p++) {
            for (int q = 0; q < rb.size(); q++) {
                values[p][q] = kl[p][q] / Math.sqrt(kk[p] * ll[q]);
            }
        }
        return new LayerCka(ra, rb, values);
    }

    private static double[][] grams(NDList outputs, int n) {
        double[][] out = new double[outputs.size()][];
        for (int i = 0; i < outputs.size(); i++) {
            NDArray f = outputs.get(i).reshape(n, -1).toType(DataType.FLOAT64, false);
            out[i] = f.matMul(f.transpose()).toDoubleArray();
        }
        return out;
    }
}
