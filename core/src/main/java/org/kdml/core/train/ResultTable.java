package org.kdml.core.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Summary;
import org.kdml.results.NetworkResult;
import org.kdml.results.ResultNames;
import org.kdml.results.RunResult;

/**
 * A plain-text table of test metrics per variant and network (T, S1, S2, …, Ensemble), each as
 * mean ± sample std over the seeds that ran. Variants, networks and metrics carry the names
 * the report prints ({@link ResultNames}), networks in the order T, S1, S2, …, then the ensembles; a
 * segmentation table adds pixel accuracy and the mean per-image IoU.
 */
public final class ResultTable {

    private ResultTable() {
    }

    /** Renders {@code results}. */
    public static String render(List<RunResult> results) {
        Map<String, List<RunResult>> byVariant = new LinkedHashMap<>();
        for (RunResult r : results) {
            byVariant.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
        }
        boolean segmentation = !results.isEmpty()
                && results.get(0).networks().values().iterator().next().segmentation() != null;
        Map<String, Function<NetworkResult, Double>> columns = new LinkedHashMap<>(ResultNames.metrics(segmentation));
        if (segmentation) {
            // Pixel accuracy over all test pixels, and the mean of the per-image IoUs.
            columns.put("Pixel accuracy", n -> n.segmentation().pixelAccuracy());
            columns.put("Mean image IoU", n -> n.segmentation().meanIou());
        }
        columns.put("Fidelity", NetworkResult::fidelity);
        String row = "%-16s %-13s %-15s" + " %-15s".repeat(columns.size()) + " %5s%n";
        List<Object> head = new ArrayList<>(List.of("variant", "network", "arch"));
        head.addAll(columns.keySet());
        head.add("seeds");
        String header = String.format(row, head.toArray());
        StringBuilder sb = new StringBuilder(header);
        sb.append("-".repeat(header.length() - 1)).append('\n');
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            List<RunResult> runs = v.getValue();
            for (String node : ordered(runs.get(0).networks().keySet())) {
                NetworkResult first = runs.get(0).networks().get(node);
                List<Object> cells = new ArrayList<>(List.of(ResultNames.header(v.getKey()), ResultNames.label(node),
                        first.architecture()));
                columns.values().forEach(m -> cells.add(summary(runs, node, m)));
                cells.add(runs.size());
                sb.append(String.format(row, cells.toArray()));
            }
        }
        if (segmentation) {
            sb.append(ResultNames.label(SharingGraph.ENSEMBLE) + " = union of the students' masks; "
                    + ResultNames.label(SegmentationEval.ENSEMBLE_MEAN) + " = mean of their probabilities >= 0.5\n");
        }
        return sb.toString();
    }

    /**
     * The teacher, the students by number, then the rest (the ensembles) by name: a result read
     * back from JSON has its networks sorted by name.
     */
    static List<String> ordered(Collection<String> nodes) {
        return nodes.stream().sorted(Comparator.comparingInt(ResultTable::rank).thenComparing(n -> n)).toList();
    }

    private static int rank(String node) {
        if (node.equals(SharingGraph.TEACHER)) {
            return 0;
        }
        return node.matches("s[0-9]+") ? Integer.parseInt(node.substring(1)) : Integer.MAX_VALUE;
    }

    /** @return the mean ± std of {@code metric} over the runs that have it, or {@code -} when none has */
    private static String summary(List<RunResult> runs, String node, Function<NetworkResult, Double> metric) {
        List<Double> values = runs.stream().map(r -> metric.apply(r.networks().get(node))).filter(Objects::nonNull)
                .toList();
        return values.isEmpty() ? "-" : Summary.of(values).toString();
    }
}
