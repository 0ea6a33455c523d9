package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * The term one edge of the sharing graph adds to its learner's loss. The source side is always
 * detached: no gradient reaches the network that teaches. A term may own a trainable module
 * (a regressor, a connector, a learned variance); that module is the edge's, trained with the
 * learner and never deployed with it.
 */
@FunctionalInterface
public interface EdgeTerm {

    /**
     * Computes the term.
     *
     * @param outputs every node's forward output ({@code [logits, feature, stage1..stage4]}) by name
     * @param labels class indices (N), or masks (N, 1, H, W)
     * @param ps where the edge's module (if any) finds its parameters
     * @param training whether the step trains (the module's batch norm uses batch statistics)
     * @return a scalar
     */
    NDArray compute(Map<String, NDList> outputs, NDArray labels, ParameterStore ps, boolean training);
}
