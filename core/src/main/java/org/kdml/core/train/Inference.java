package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kdml.core.model.DistillNet;

/**
 * Networks that run in inference mode, without autograd: a training session's, or a finished
 * run's ({@link TrainedNetworks}, which holds no optimiser or loss). Evaluation reads this.
 */
public interface Inference {

    /** @return the networks by node name */
    Map<String, DistillNet> networks();

    /** @return the manager that owns the networks; sub-managers of it hold per-batch arrays */
    NDManager manager();

    /**
     * Runs the networks {@code nodes} (in this holder's order) on {@code x}.
     *
     * @return {@code [logits, feature]} by node name, attached to {@code x}'s manager
     */
    Map<String, NDList> infer(NDArray x, Collection<String> nodes);

    /**
     * The one inference pass of both holders: {@code nodes} of {@code nets}, in {@code nets}' order,
     * in turn with training ({@link EngineTurns#inference}).
     */
    static Map<String, NDList> forward(Map<String, DistillNet> nets, ParameterStore ps, NDArray x,
            Collection<String> nodes) {
        return EngineTurns.inference(() -> {
            Map<String, NDList> out = new LinkedHashMap<>();
            for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
                if (nodes.contains(e.getKey())) {
                    out.put(e.getKey(), e.getValue().forward(ps, new NDList(x), false));
                }
            }
            return out;
        });
    }

    /** {@link #infer(NDArray, Collection)} of every network. */
    default Map<String, NDList> infer(NDArray x) {
        return infer(x, networks().keySet());
    }
}
