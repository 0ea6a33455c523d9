package org.kdml.core.cka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The layer-by-layer CKA of a run, as {@code cka.json} and the {@code cka} payload on
 * {@code kdml.results} hold it (the dashboard and the topic contract read these field names): one
 * schema for the CKA analyzer and {@code kdml cka --run}.
 *
 * @param method how CKA was estimated, e.g. {@code minibatch-unbiased-hsic (Nguyen et al. 2021), batch 64}
 * @param architectures architecture of each node, e.g. {@code teacher → resnet50}
 * @param pairs the matrix of each pair of networks, by pair name ({@code teacher-s1}, …)
 * @param examples test images used
 * @param seconds wall time of all pairs
 */
public record CkaResult(String method, Map<String, String> architectures, Map<String, Pair> pairs, int examples,
        double seconds) {

    /**
     * One pair's matrix.
     *
     * @param rows layer names of the first network
     * @param cols layer names of the second network
     * @param values {@code values[i][j]} = CKA(rows[i], cols[j]), null at the undefined cells
     * @param undefined the cells without a value, with the reason
     * @param heatmap where the pair's PNG is: {@code bucket/key} in S3, or its file name in a local run folder
     */
    public record Pair(List<String> rows, List<String> cols, List<List<Double>> values,
            List<LayerCka.Undefined> undefined, String heatmap) {

        /** Checks the shape and copies the lists. */
        public Pair {
            rows = List.copyOf(rows);
            cols = List.copyOf(cols);
            undefined = List.copyOf(undefined);
            if (values.size() != rows.size()) {
                throw new IllegalArgumentException("values: " + values.size() + " rows for " + rows.size() + " layers");
            }
            List<List<Double>> copy = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).size() != cols.size()) {
                    throw new IllegalArgumentException("values[" + i + "]: " + values.get(i).size() + " columns for "
                            + cols.size() + " layers");
                }
                // Not List.copyOf: undefined cells are null.
                copy.add(Collections.unmodifiableList(new ArrayList<>(values.get(i))));
            }
            values = List.copyOf(copy);
            if (heatmap == null || heatmap.isBlank()) {
                throw new IllegalArgumentException("heatmap: the location of the pair's PNG is required");
            }
        }

        /** @return {@code m}'s matrix with NaN cells as null, and its heatmap at {@code heatmap} */
        public static Pair of(LayerCka m, String heatmap) {
            List<List<Double>> cells = new ArrayList<>();
            for (double[] row : m.values()) {
                List<Double> r = new ArrayList<>();
                for (double v : row) {
                    r.add(Double.isNaN(v) ? null : v);
                }
                cells.add(r);
            }
            return new Pair(m.rows(), m.cols(), cells, m.undefined(), heatmap);
        }
    }

    /** Checks the counts and copies the maps, keeping their order. */
    public CkaResult {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("method: is required");
        }
        if (examples < 0) {
            throw new IllegalArgumentException("examples: must be >= 0, got " + examples);
        }
        architectures = Collections.unmodifiableMap(new LinkedHashMap<>(architectures));
        pairs = Collections.unmodifiableMap(new LinkedHashMap<>(pairs));
    }

    /** @return the method of {@link RunCka}: minibatch unbiased HSIC over batches of {@code batch} images */
    public static String method(int batch) {
        return "minibatch-unbiased-hsic (Nguyen et al. 2021), batch " + batch;
    }

    /**
     * The result of an analysis.
     *
     * @param batch the images per forward pass it was computed with
     * @param heatmap where each pair's PNG is, by pair name
     */
    public static CkaResult of(RunCka.Analysis a, int batch, Function<String, String> heatmap) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        a.matrices().forEach((pair, m) -> pairs.put(pair, Pair.of(m, heatmap.apply(pair))));
        return new CkaResult(method(batch), a.architectures(), pairs, a.examples(), a.seconds());
    }
}
