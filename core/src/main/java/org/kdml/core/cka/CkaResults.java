package org.kdml.core.cka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.kdml.results.CkaResult;

/** {@link CkaResult}s of the engine's matrices ({@link LayerCka}) and analyses ({@link RunCka}). */
public final class CkaResults {

    private CkaResults() {
    }

    /** @return {@code m}'s matrix with NaN cells as null, and its heatmap at {@code heatmap} */
    public static CkaResult.Pair pair(LayerCka m, String heatmap) {
        List<List<Double>> cells = new ArrayList<>();
        for (double[] row : m.values()) {
            List<Double> r = new ArrayList<>();
            for (double v : row) {
                r.add(Double.isNaN(v) ? null : v);
            }
            cells.add(r);
        }
        return new CkaResult.Pair(m.rows(), m.cols(), cells, m.undefined(), heatmap);
    }

    /**
     * The result of an analysis.
     *
     * @param batch the images per forward pass it was computed with
     * @param heatmap where each pair's PNG is, by pair name
     */
    public static CkaResult of(RunCka.Analysis a, int batch, Function<String, String> heatmap) {
        Map<String, CkaResult.Pair> pairs = new LinkedHashMap<>();
        a.matrices().forEach((pair, m) -> pairs.put(pair, pair(m, heatmap.apply(pair))));
        return new CkaResult(CkaResult.method(batch), a.architectures(), pairs, a.examples(), a.seconds());
    }
}
