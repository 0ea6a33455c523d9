package org.kdml.results;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Mode;
import org.kdml.spec.SharingGraph;

/**
 * The names a run's table ({@code ResultTable}) and an experiment's report
 * ({@code org.kdml.core.report.Report}) print for networks, variants and metrics, so that both
 * read the same.
 */
public final class ResultNames {

    private ResultNames() {
    }

    /**
     * @return the name results and reports give a network: {@code T}, {@code S1}, …, {@code Ensemble},
     *     {@code Ensemble-mean}
     */
    public static String label(String node) {
        return node.equals(SharingGraph.TEACHER) ? "T"
                : node.startsWith(SharingGraph.ENSEMBLE) ? node.replace(SharingGraph.ENSEMBLE, "Ensemble")
                : node.toUpperCase();
    }

    /** @return the name results and reports give a variant, e.g. {@code KD+ML V3}, {@code Baseline (alone)}, {@code SimKD} */
    public static String header(String variant) {
        if (variant.equals(ExperimentSpec.BASELINE)) {
            return "Baseline (alone)";
        }
        if (variant.startsWith(ExperimentSpec.METHOD_PREFIX)) {
            String key = variant.substring(ExperimentSpec.METHOD_PREFIX.length());
            return Knowledge.methods(null).stream().filter(k -> k.key().equals(key)).map(Knowledge::display)
                    .findFirst().orElse(key);
        }
        int dash = variant.lastIndexOf('-');
        if (dash > 0) {
            String mode = variant.substring(0, dash);
            for (Mode m : Mode.values()) {
                if (m.key().equals(mode)) {
                    return m.display() + " " + variant.substring(dash + 1).toUpperCase();
                }
            }
        }
        return variant;
    }

    /**
     * The paper's metrics of a task by the names reports print (segmentation: IoU, F-score;
     * classification: Accuracy, Precision, Recall, F1, AUC); each gives null where a network has no
     * value. {@code ResultTable} and {@code Report} print the same names.
     */
    public static Map<String, Function<NetworkResult, Double>> metrics(boolean segmentation) {
        Map<String, Function<NetworkResult, Double>> m = new LinkedHashMap<>();
        if (segmentation) {
            m.put("IoU", n -> n.segmentation().iou());
            m.put("F-score", n -> n.segmentation().fscore());
        } else {
            m.put("Accuracy", n -> n.test().accuracy());
            m.put("Precision", n -> n.test().precision());
            m.put("Recall", n -> n.test().recall());
            m.put("F1", n -> n.test().f1());
            m.put("AUC", n -> n.test().auc());
        }
        return m;
    }
}
