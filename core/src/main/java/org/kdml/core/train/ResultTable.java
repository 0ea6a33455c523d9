package org.kdml.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.kdml.core.metrics.Summary;

/**
 * A plain-text table of test metrics per variant and network (T, S1, S2, …, ensemble), each as
 * mean ± sample std over the seeds that ran.
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
        if (!results.isEmpty() && results.get(0).networks().values().iterator().next().segmentation() != null) {
            return renderSegmentation(byVariant);
        }
        StringBuilder sb = new StringBuilder();
        String header = String.format("%-10s %-9s %-15s %-13s %-13s %-13s %-13s %-13s %5s%n", "variant", "network",
                "arch", "accuracy", "precision", "recall", "f1", "fidelity", "seeds");
        sb.append(header);
        sb.append("-".repeat(header.length() - 1)).append('\n');
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            List<RunResult> runs = v.getValue();
            for (String node : runs.get(0).networks().keySet()) {
                NetworkResult first = runs.get(0).networks().get(node);
                sb.append(String.format("%-10s %-9s %-15s %-13s %-13s %-13s %-13s %-13s %5d%n", v.getKey(), label(node),
                        first.architecture(),
                        summary(runs, node, n -> n.test().accuracy()),
                        summary(runs, node, n -> n.test().precision()),
                        summary(runs, node, n -> n.test().recall()),
                        summary(runs, node, n -> n.test().f1()),
                        first.fidelity() == null ? "-" : summary(runs, node, NetworkResult::fidelity),
                        runs.size()));
            }
        }
        return sb.toString();
    }

    /** IoU, F-score (Dice) and pixel accuracy over all test pixels, mean per-image IoU, fidelity. */
    private static String renderSegmentation(Map<String, List<RunResult>> byVariant) {
        StringBuilder sb = new StringBuilder();
        String header = String.format("%-10s %-13s %-15s %-13s %-13s %-13s %-13s %-13s %5s%n", "variant", "network",
                "arch", "iou", "f-score", "pixel-acc", "mean-img-iou", "fidelity", "seeds");
        sb.append(header);
        sb.append("-".repeat(header.length() - 1)).append('\n');
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            List<RunResult> runs = v.getValue();
            for (String node : runs.get(0).networks().keySet()) {
                NetworkResult first = runs.get(0).networks().get(node);
                sb.append(String.format("%-10s %-13s %-15s %-13s %-13s %-13s %-13s %-13s %5d%n", v.getKey(), label(node),
                        first.architecture(),
                        summary(runs, node, n -> n.segmentation().iou()),
                        summary(runs, node, n -> n.segmentation().fscore()),
                        summary(runs, node, n -> n.segmentation().pixelAccuracy()),
                        summary(runs, node, n -> n.segmentation().meanIou()),
                        first.fidelity() == null ? "-" : summary(runs, node, NetworkResult::fidelity),
                        runs.size()));
            }
        }
        sb.append("ensemble = union of the students' masks; ensemble-mean = mean of their probabilities >= 0.5\n");
        return sb.toString();
    }

    private static String label(String node) {
        return node.equals("teacher") ? "T" : node.startsWith(RunTrainer.ENSEMBLE) ? node : node.toUpperCase();
    }

    private static String summary(List<RunResult> runs, String node, ToDoubleFunction<NetworkResult> metric) {
        return Summary.of(runs.stream().map(r -> metric.applyAsDouble(r.networks().get(node))).toList()).toString();
    }
}
