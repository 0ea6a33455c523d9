package org.kdml.pipeline.state;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run as {@link ExperimentState} folds it (mutable while folding; stored as JSON in the view's
 * state store).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RunState {

    String variant;
    long seed;
    int attempt;
    String worker;
    int index;
    int total;
    RunStatus state = RunStatus.QUEUED;
    String phase;
    Integer epoch;
    Integer epochs;
    String reason;
    Long startedAt;
    long updated;
    boolean evaluated;
    boolean cka;
    /** Whether an attempt was parked as failed (stays set: a report lists the run as failed). */
    boolean parked;
    /** {@code accuracy} (classification) or {@code iou} (segmentation). */
    String metric;
    /** Test score of each network, in {@link #metric}. */
    Map<String, Double> scores = new LinkedHashMap<>();
    /** Validation score after each epoch of this attempt: [epoch index, score]. */
    List<double[]> curve = new ArrayList<>();
    /** When the last epoch of this attempt ended (ms). */
    Long lastEpochAt;
    /** S3 key of each pair's CKA heatmap (without the bucket). */
    Map<String, String> heatmaps = new LinkedHashMap<>();
    /** S3 key of each exported file (without the bucket), for specs with {@code export:}. */
    Map<String, String> exports = new LinkedHashMap<>();

    /** @return the state shown: {@code evaluated} once metrics are in */
    public RunStatus shown() {
        return evaluated ? RunStatus.EVALUATED : state;
    }

    /** @return the variant key */
    public String variant() {
        return variant;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /**
     * @return seconds left in the current phase at the pace of this attempt so far, or null when
     *     not training
     */
    public Double etaSeconds() {
        if (state != RunStatus.RUNNING || curve.isEmpty() || startedAt == null || lastEpochAt == null
                || epoch == null || epochs == null) {
            return null;
        }
        double perEpoch = (double) (lastEpochAt - startedAt) / curve.size();
        return Math.max(0, (epochs - epoch) * perEpoch / 1e3);
    }

    /** @return the last validation score while training, or null */
    public Double validation() {
        return state == RunStatus.RUNNING && !curve.isEmpty() ? curve.get(curve.size() - 1)[1] : null;
    }
}
