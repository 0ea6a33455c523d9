package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Tensors;

/**
 * Best-epoch copies of networks' parameters (batch-norm statistics included), one per node, each in
 * a sub-manager of its own with every array named by its parameter's id.
 */
final class Snapshots implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, NDManager> kept = new HashMap<>();

    /** @param manager parent of the copies */
    Snapshots(NDManager manager) {
        this.manager = manager;
    }

    /** Copies {@code net}'s current parameters aside as {@code node}'s. */
    void take(String node, DistillNet net) {
        NDManager keep = manager.newSubManager();
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray copy = p.getValue().getArray().duplicate();
            copy.attach(keep);
            copy.setName(p.getValue().getId());
        }
        put(node, keep);
    }

    /** Keeps {@code keep} (arrays named by parameter id) as {@code node}'s copy, closing the one before. */
    void put(String node, NDManager keep) {
        NDManager old = kept.put(node, keep);
        if (old != null) {
            old.close();
        }
    }

    /** Copies {@code node}'s kept parameters back into {@code net}, bit for bit, in place. */
    void restore(String node, DistillNet net) {
        Map<String, NDArray> byId = byId(node);
        if (byId == null) {
            throw new IllegalStateException("no snapshot of " + node);
        }
        for (Pair<String, Parameter> p : net.getParameters()) {
            Tensors.copyInto(p.getValue().getArray(), byId.get(p.getValue().getId()));
        }
    }

    /** @return {@code node}'s kept arrays in {@code net}'s parameter order, or null when none is kept */
    NDList arrays(String node, DistillNet net) {
        Map<String, NDArray> byId = byId(node);
        if (byId == null) {
            return null;
        }
        NDList list = new NDList();
        for (Pair<String, Parameter> p : net.getParameters()) {
            list.add(byId.get(p.getValue().getId()));
        }
        return list;
    }

    private Map<String, NDArray> byId(String node) {
        NDManager keep = kept.get(node);
        if (keep == null) {
            return null;
        }
        Map<String, NDArray> byId = new HashMap<>();
        for (NDArray a : keep.getManagedArrays()) {
            byId.put(a.getName(), a);
        }
        return byId;
    }

    @Override
    public void close() {
        kept.values().forEach(NDManager::close);
        kept.clear();
    }
}
