package org.kdml.core.train;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.InferenceGraph;
import org.kdml.core.model.SimKdStudent;
import org.kdml.spec.SharingGraph;

/**
 * A session's teacher once frozen: no gradient, no optimiser step, inference-mode batch norm, and
 * from its next forward pass a batch-norm-folded {@link InferenceGraph} (its outputs equal the
 * network's up to float rounding) unless folding was turned off or the network cannot be folded
 * (a U-Net, a block kind the graph does not know). Whatever may change the teacher's weights
 * drops the graph ({@link #drop}); the next pass builds it again.
 */
final class FrozenTeacher implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, DistillNet> nets;
    private boolean frozen;
    private boolean fold = true;
    private InferenceGraph graph;
    private boolean unfoldable;

    /** @param nets the session's networks, the teacher under {@link SharingGraph#TEACHER} */
    FrozenTeacher(NDManager manager, Map<String, DistillNet> nets) {
        this.manager = manager;
        this.nets = nets;
    }

    /** @return whether the teacher is frozen */
    boolean frozen() {
        return frozen;
    }

    /** Freezes the teacher; SimKD students adopt its classifier head. */
    void freeze() {
        DistillNet teacher = nets.get(SharingGraph.TEACHER);
        teacher.freezeParameters(true);
        frozen = true;
        drop();
        for (DistillNet net : nets.values()) {
            if (net instanceof SimKdStudent simkd) {
                simkd.adoptTeacherHead(teacher.headParameters());
            }
        }
    }

    /** Whether a frozen teacher runs as a folded graph (default true); off, its training graph in inference mode. */
    void fold(boolean on) {
        fold = on;
        drop();
    }

    /** @return the frozen teacher's inference graph when {@code node} is the teacher, or null where the network runs as it is */
    InferenceGraph graphFor(String node) {
        if (!frozen || !fold || unfoldable || !node.equals(SharingGraph.TEACHER)) {
            return null;
        }
        if (graph == null) {
            try {
                graph = InferenceGraph.of(nets.get(node), manager);
            } catch (IllegalArgumentException e) {
                unfoldable = true;
                return null;
            }
        }
        return graph;
    }

    /** Forgets the inference graph: the teacher's weights changed, or may have. */
    void drop() {
        if (graph != null) {
            graph.close();
            graph = null;
        }
        unfoldable = false;
    }

    /** Drops {@code node}'s graph when it is the teacher (its weights are about to change). */
    void dropIfTeacher(String node) {
        if (node.equals(SharingGraph.TEACHER)) {
            drop();
        }
    }

    @Override
    public void close() {
        drop();
    }
}
