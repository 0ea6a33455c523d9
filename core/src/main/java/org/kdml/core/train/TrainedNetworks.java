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
 * A finished run's networks for inference only (test metrics, CKA, export): no optimiser state,
 * no loss terms. It owns their manager and must be closed.
 */
public final class TrainedNetworks implements Inference, AutoCloseable {

    private final NDManager manager;
    private final Map<String, DistillNet> nets;
    private final ParameterStore ps;

    /**
     * @param manager owns the networks' parameters; closed with this
     * @param nets the networks by node name, with their trained weights
     */
    public TrainedNetworks(NDManager manager, Map<String, DistillNet> nets) {
        this.manager = manager;
        this.nets = new LinkedHashMap<>(nets);
        this.ps = new ParameterStore(manager, false);
    }

    @Override
    public Map<String, DistillNet> networks() {
        return nets;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Map<String, NDList> infer(NDArray x, Collection<String> nodes) {
        return Inference.forward(nets, ps, x, nodes);
    }

    @Override
    public void close() {
        manager.close();
    }
}
