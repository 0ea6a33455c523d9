package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.kdml.core.tensor.Tensors;

/**
 * What a step does with a non-finite loss or gradient, as loss-scaling trainers do: the update is
 * skipped for the node (gradients cleared, weights untouched, batch-norm running statistics put
 * back as they were before the forward pass) and counted; {@link #MAX_IN_A_ROW} skipped steps of
 * one node in a row stop training.
 */
final class SkipPolicy {

    /** Consecutive skipped optimiser steps of one node after which training stops. */
    static final int MAX_IN_A_ROW = 20;

    private final NDManager manager;
    private final Function<String, List<Pair<String, Parameter>>> parametersOf;
    private final Map<String, Integer> skipped = new LinkedHashMap<>();
    private final Map<String, Integer> inARow = new HashMap<>();

    /**
     * @param manager parent of the check's temporary arrays
     * @param parametersOf the parameters an update of a node changes
     */
    SkipPolicy(NDManager manager, Function<String, List<Pair<String, Parameter>>> parametersOf) {
        this.manager = manager;
        this.parametersOf = parametersOf;
    }

    /**
     * Copies of the batch-norm running statistics of {@code nodes}, in {@code in}: the forward
     * pass updates them, and a skipped step puts them back ({@link #restore}).
     */
    Map<Parameter, NDArray> statistics(Iterable<String> nodes, NDManager in) {
        Map<Parameter, NDArray> stats = new HashMap<>();
        for (String node : nodes) {
            for (Pair<String, Parameter> p : parametersOf.apply(node)) {
                Parameter.Type type = p.getValue().getType();
                if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
                    NDArray copy = p.getValue().getArray().duplicate();
                    copy.attach(in);
                    stats.put(p.getValue(), copy);
                }
            }
        }
        return stats;
    }

    /** Puts every saved statistic back. */
    static void restoreAll(Map<Parameter, NDArray> stats) {
        stats.forEach((param, saved) -> Tensors.copyInto(param.getArray(), saved));
    }

    /** Puts {@code node}'s running statistics back as {@link #statistics} saved them. */
    void restore(String node, Map<Parameter, NDArray> stats) {
        for (Pair<String, Parameter> p : parametersOf.apply(node)) {
            NDArray saved = stats.get(p.getValue());
            if (saved != null) {
                Tensors.copyInto(p.getValue().getArray(), saved);
            }
        }
    }

    /** One reduction per parameter, one read back per node: NaN or ±Inf anywhere makes the total non-finite. */
    boolean gradientsFinite(String node) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray total = null;
            for (Pair<String, Parameter> p : parametersOf.apply(node)) {
                Parameter param = p.getValue();
                if (param.requiresGradient()) {
                    try (NDArray g = param.getArray().getGradient()) {
                        NDArray sum = g.sum();
                        sum.attach(tmp);
                        total = total == null ? sum : total.add(sum);
                        total.attach(tmp);
                    }
                }
            }
            return total == null || Float.isFinite(total.getFloat());
        }
    }

    /**
     * Skips {@code node}'s update: clears its gradients and counts it.
     *
     * @throws IllegalStateException after {@link #MAX_IN_A_ROW} in a row
     */
    void skip(String node) {
        skipped.merge(node, 1, Integer::sum);
        int row = inARow.merge(node, 1, Integer::sum);
        clearGradients(node);
        if (row >= MAX_IN_A_ROW) {
            throw new IllegalStateException("training diverged: " + node + " had a non-finite loss or gradients in "
                    + row + " steps in a row (lower training.learningRate, or check the data)");
        }
    }

    /** {@code node} was updated: its run of skipped steps ends. */
    void updated(String node) {
        inARow.put(node, 0);
    }

    /** Sets {@code node}'s gradients to zero (a fill: multiplying by 0 would keep NaN). */
    private void clearGradients(String node) {
        for (Pair<String, Parameter> p : parametersOf.apply(node)) {
            if (p.getValue().requiresGradient()) {
                JniUtils.zeroGrad((PtNDArray) p.getValue().getArray());
            }
        }
    }

    /** Sets the skipped-step counts (from a checkpoint). */
    void restoreCounts(Map<String, Integer> counts) {
        skipped.clear();
        if (counts != null) {
            skipped.putAll(counts);
        }
    }

    /** @return optimiser steps skipped per node */
    Map<String, Integer> counts() {
        return Map.copyOf(skipped);
    }
}
