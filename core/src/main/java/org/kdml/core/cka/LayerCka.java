package org.kdml.core.cka;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.kdml.core.model.DistillNet;
import org.kdml.core.train.EngineTurns;
import org.kdml.results.UndefinedCell;

/**
 * Minibatch CKA between every layer of one network and every layer of another, streamed over a
 * data set batch by batch (memory: one batch of activations and two n×n Gram matrices per layer).
 * A layer that is constant on the sample has no self-similarity: its cells are undefined (NaN in
 * {@code values}, null in JSON), each listed in {@code undefined} with the reason.
 *
 * @param rows layer names of the first network
 * @param cols layer names of the second network
 * @param values {@code values[i][j]} = CKA(rows[i], cols[j]); NaN exactly at the undefined cells
 * @param undefined the cells without a value, row by row
 */
public record LayerCka(List<String> rows, List<String> cols, double[][] values, List<UndefinedCell> undefined) {

    /** Checks the shape, and that {@code values} is NaN exactly at the cells listed as undefined. */
    public LayerCka {
        rows = List.copyOf(rows);
        cols = List.copyOf(cols);
        undefined = List.copyOf(undefined);
        if (values.length != rows.size()) {
            throw new IllegalArgumentException("values: " + values.length + " rows for " + rows.size() + " layers");
        }
        boolean[][] listed = new boolean[rows.size()][cols.size()];
        for (UndefinedCell u : undefined) {
            if (u.row() < 0 || u.row() >= rows.size() || u.col() < 0 || u.col() >= cols.size()) {
                throw new IllegalArgumentException("undefined: cell (" + u.row() + ", " + u.col() + ") is outside the "
                        + rows.size() + "x" + cols.size() + " matrix");
            }
            listed[u.row()][u.col()] = true;
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i].length != cols.size()) {
                throw new IllegalArgumentException("values[" + i + "]: " + values[i].length + " columns for "
                        + cols.size() + " layers");
            }
            for (int j = 0; j < values[i].length; j++) {
                if (listed[i][j] != Double.isNaN(values[i][j])) {
                    throw new IllegalArgumentException("values[" + i + "][" + j + "] = " + values[i][j] + " but the cell is "
                            + (listed[i][j] ? "" : "not ") + "listed as undefined");
                }
            }
        }
    }

    /**
     * Computes the matrix of two networks: {@link #computeAll} of {@code aName} and {@code bName}.
     *
     * @param aName the first network's node, e.g. {@code teacher}, as reasons name its layers
     * @param a the first network
     * @param bName the second network's node
     * @param b the second network
     * @param batches how many minibatches there are
     * @param batch returns minibatch {@code i} as an (N, 3, S, S) array in the given manager
     * @param manager parent of each batch's sub-manager
     */
    public static LayerCka compute(String aName, DistillNet a, String bName, DistillNet b, int batches,
            BiFunction<Integer, NDManager, NDArray> batch, NDManager manager) {
        Map<String, DistillNet> nets = new LinkedHashMap<>();
        nets.put(aName, a);
        nets.put(bName, b);
        return computeAll(nets, batches, batch, manager).get(aName + PAIR + bName);
    }

    /** Joins two node names into the pair's name, e.g. {@code teacher-s1}. */
    public static final String PAIR = "-";

    /**
     * Computes the matrix of every pair of {@code nets} (node i before node j in the map's order),
     * keyed {@code <node i>-<node j>}. Each network sees each minibatch once and its Gram matrices
     * serve every pair it is in: with three networks, three forward passes per batch instead of the
     * six that pair after pair would take, and the same numbers.
     *
     * @param nets the networks by node, e.g. {@code teacher}, {@code s1}, {@code s2}, as reasons name their layers
     * @param batches how many minibatches there are
     * @param batch returns minibatch {@code i} as an (N, 3, S, S) array in the given manager
     * @param manager parent of each batch's sub-manager
     */
    public static Map<String, LayerCka> computeAll(Map<String, DistillNet> nets, int batches,
            BiFunction<Integer, NDManager, NDArray> batch, NDManager manager) {
        List<String> nodes = new ArrayList<>(nets.keySet());
        int k = nodes.size();
        List<List<String>> layers = new ArrayList<>();
        SelfHsic[][] sides = new SelfHsic[k][];
        double[][][][] kl = new double[k][k][][];
        for (int i = 0; i < k; i++) {
            layers.add(nets.get(nodes.get(i)).layerNames());
            sides[i] = sides(nodes.get(i), layers.get(i));
        }
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                kl[i][j] = new double[layers.get(i).size()][layers.get(j).size()];
            }
        }
        ParameterStore ps = new ParameterStore(manager, false);
        for (int t = 0; t < batches; t++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray x = batch.apply(t, step);
                int n = (int) x.getShape().get(0);
                if (n < 4) {
                    continue;
                }
                double[][][] g = new double[k][][];
                for (int i = 0; i < k; i++) {
                    DistillNet net = nets.get(nodes.get(i));
                    SelfHsic[] side = sides[i];
                    g[i] = EngineTurns.inference(() -> grams(net.forwardAll(ps, x, false), n, side));
                }
                for (int i = 0; i < k; i++) {
                    for (int j = i + 1; j < k; j++) {
                        for (int p = 0; p < g[i].length; p++) {
                            for (int q = 0; q < g[j].length; q++) {
                                kl[i][j][p][q] += Cka.hsic1(g[i][p], g[j][q], n);
                            }
                        }
                    }
                }
            }
        }
        Map<String, LayerCka> out = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                out.put(nodes.get(i) + PAIR + nodes.get(j), matrix(layers.get(i), layers.get(j), kl[i][j], sides[i],
                        sides[j]));
            }
        }
        return out;
    }

    /** The CKA of every cell from the accumulated cross-HSIC and each side's self-HSIC. */
    private static LayerCka matrix(List<String> ra, List<String> rb, double[][] kl, SelfHsic[] sa, SelfHsic[] sb) {
        double[][] values = new double[ra.size()][rb.size()];
        List<UndefinedCell> undefined = new ArrayList<>();
        for (int p = 0; p < ra.size(); p++) {
            for (int q = 0; q < rb.size(); q++) {
                CkaValue v = SelfHsic.cka(kl[p][q], sa[p], sb[q]);
                values[p][q] = v.value();
                if (!v.defined()) {
                    undefined.add(new UndefinedCell(p, q, v.undefinedReason()));
                }
            }
        }
        return new LayerCka(ra, rb, values, undefined);
    }

    /** @return cell (row, col), with the reason when it is undefined */
    public CkaValue at(int row, int col) {
        for (UndefinedCell u : undefined) {
            if (u.row() == row && u.col() == col) {
                return CkaValue.undefined(u.reason());
            }
        }
        return CkaValue.of(values[row][col]);
    }

    /**
     * @return the matrix as {@code cka.json} and the {@code kdml.results} payload hold it:
     *     {@code rows}, {@code cols}, {@code values} (null at undefined cells) and
     *     {@code undefined} ({@code [{row, col, reason}]}, empty when every cell has a value)
     */
    public Map<String, Object> toJson() {
        List<List<Double>> cells = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            List<Double> row = new ArrayList<>();
            for (int j = 0; j < values[i].length; j++) {
                row.add(Double.isNaN(values[i][j]) ? null : values[i][j]);
            }
            cells.add(row);
        }
        List<Map<String, Object>> reasons = new ArrayList<>();
        for (UndefinedCell u : undefined) {
            Map<String, Object> cell = new LinkedHashMap<>();
            cell.put("row", u.row());
            cell.put("col", u.col());
            cell.put("reason", u.reason());
            reasons.add(cell);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("cols", cols);
        out.put("values", cells);
        out.put("undefined", reasons);
        return out;
    }

    private static SelfHsic[] sides(String node, List<String> layers) {
        SelfHsic[] out = new SelfHsic[layers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new SelfHsic(node + " layer " + layers.get(i));
        }
        return out;
    }

    /** The Gram matrix of every output, each added to its layer's side (with its common row while it may be constant). */
    private static double[][] grams(NDList outputs, int n, SelfHsic[] sides) {
        if (outputs.size() != sides.length) {
            throw new IllegalStateException("forwardAll returned " + outputs.size() + " outputs for "
                    + sides.length + " layer names");
        }
        double[][] out = new double[outputs.size()][];
        for (int i = 0; i < outputs.size(); i++) {
            NDArray f = outputs.get(i).reshape(n, -1).toType(DataType.FLOAT64, false);
            out[i] = f.matMul(f.transpose()).toDoubleArray();
            double[] common = null;
            if (sides[i].mayBeConstant()) {
                NDArray first = f.get(0);
                common = f.eq(first).all().getBoolean() ? first.toDoubleArray() : null;
            }
            sides[i].add(out[i], n, common);
        }
        return out;
    }
}
