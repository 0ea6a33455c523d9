package org.kdml.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Summary;

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
        boolean segmentation = !results.isEmpty()
                && results.get(0).networks().values().iterator().next().segmentation() != null;
        Map<String, ToDoubleFunction<NetworkResult>> columns = new LinkedHashMap<>();
        if (segmentation) {
            // IoU, F-score (Dice) and pixel accuracy over all test pixels, mean per-image IoU.
            columns.put("iou", n -> n.segmentation().iou());
            columns.put("f-score", n -> n.segmentation().fscore());
            columns.put("pixel-acc", n -> n.segmentation().pixelAccuracy());
            columns.put("mean-img-iou", n -> n.segmentation().meanIou());
        } else {
            columns.put("accuracy", n -> n.test().accuracy());
            columns.put("precision", n -> n.test().precision());
            columns.put("recall", n -> n.test().recall());
            columns.put("f1", n -> n.test().f1());
        }
        String row = "%-10s %-" + (segmentation ? 13 : 9) + "s %-15s" + " %-13s".repeat(columns.size() + 1) + " %5s%n";
        List<Object> head = new ArrayList<>(List.of("variant", "network", "arch"));
        head.addAll(columns.keySet());
        head.addAll(List.of("fidelity", "seeds"));
        String header = String.format(row, head.toArray());
        StringBuilder sb = new StringBuilder(header);
        sb.append("-".repeat(header.length() - 1)).append('\n');
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            List<RunResult> runs = v.getValue();
            for (String node : runs.get(0).networks().keySet()) {
                NetworkResult first = runs.get(0).networks().get(node);
                List<Object> cells = new ArrayList<>(List.of(v.getKey(), label(node), first.architecture()));
                columns.values().forEach(m -> cells.add(summary(runs, node, m)));
                cells.add(first.fidelity() == null ? "-" : summary(runs, node, NetworkResult::fidelity));
                cells.add(runs.size());
                sb.append(String.format(row, cells.toArray()));
            }
        }
        if (segmentation) {
            sb.append("ensemble = union of the students' masks; ensemble-mean = mean of their probabilities >= 0.5\n");
        }
        return sb.toString();
    }

    private static String label(String node) {
        return node.equals(SharingGraph.TEACHER) ? "T" : node.startsWith(RunTrainer.ENSEMBLE) ? node : node.toUpperCase();
    }

    private static String summary(List<RunResult> runs, String node, ToDoubleFunction<NetworkResult> metric) {
        return Summary.of(runs.stream().map(r -> metric.applyAsDouble(r.networks().get(node))).toList()).toString();
    }
}
