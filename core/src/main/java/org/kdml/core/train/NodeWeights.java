package org.kdml.core.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Tensors;

/**
 * One network's weights in and out of a session: as bytes in DJL's array encoding (a trained
 * teacher handed to the runs that reuse it) and as DJL's block format (initial weights, the run
 * folder's {@code <node>.params}). Whatever replaces a teacher's weights drops its folded graph.
 */
final class NodeWeights {

    private final NDManager manager;
    private final Map<String, DistillNet> nets;
    private final FrozenTeacher teacher;
    private final Snapshots snapshots;

    NodeWeights(NDManager manager, Map<String, DistillNet> nets, FrozenTeacher teacher, Snapshots snapshots) {
        this.manager = manager;
        this.nets = nets;
        this.teacher = teacher;
        this.snapshots = snapshots;
    }

    /** @return {@code node}'s parameters (batch-norm statistics included), in the network's order, in DJL's array encoding */
    byte[] encode(String node) {
        NDList list = new NDList();
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            list.add(p.getValue().getArray());
        }
        return list.encode();
    }

    /**
     * Copies parameters {@link #encode} wrote into {@code node}, in place and bit for bit, and keeps
     * them as its best-epoch snapshot.
     *
     * @throws IllegalArgumentException when their count or a shape differs from {@code node}'s
     */
    void adopt(String node, byte[] encoded) {
        teacher.dropIfTeacher(node);
        ParameterList params = nets.get(node).getParameters();
        try (NDManager tmp = manager.newSubManager()) {
            NDList list = Tensors.decode(tmp, encoded);
            if (list.size() != params.size()) {
                throw new IllegalArgumentException(list.size() + " arrays for the " + params.size() + " parameters of "
                        + node + " (" + nets.get(node).architecture() + ")");
            }
            for (int i = 0; i < list.size(); i++) {
                NDArray w = params.get(i).getValue().getArray();
                if (!w.getShape().equals(list.get(i).getShape())) {
                    throw new IllegalArgumentException(params.get(i).getKey() + " is " + list.get(i).getShape()
                            + ", " + node + " (" + nets.get(node).architecture() + ") has " + w.getShape());
                }
                Tensors.copyInto(w, list.get(i));
            }
        }
        snapshots.take(node, nets.get(node));
    }

    /** Loads {@code node}'s parameters from DJL's block format ({@link #save}), replacing its arrays: before the first step. */
    void load(String node, InputStream in) throws IOException, MalformedModelException {
        teacher.dropIfTeacher(node);
        Tensors.loadParameters(nets.get(node), manager, new DataInputStream(in));
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }

    /** Writes {@code node}'s parameters in DJL's format (readable by {@code Block.loadParameters}). */
    void save(String node, OutputStream out) throws IOException {
        DataOutputStream dos = new DataOutputStream(out);
        nets.get(node).saveParameters(dos);
        dos.flush();
    }
}
