package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
@JsonIgnoreProperties(ignoreUnknown = true) // fields a newer CKA analyzer adds do not stop an older reader
public record CkaResult(String method, Map<String, String> architectures, Map<String, Pair> pairs, int examples,
        double seconds) implements ResultPayload {

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
            List<UndefinedCell> undefined, String heatmap) {

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

    /** @return the method the CKA analyzer uses: minibatch unbiased HSIC over batches of {@code batch} images */
    public static String method(int batch) {
        return "minibatch-unbiased-hsic (Nguyen et al. 2021), batch " + batch;
    }
}
