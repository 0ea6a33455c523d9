package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.Edge;

/**
 * The loss of one node of the sharing graph: {@code (1-α)·task + α·Σ w_edge·term_edge} over the
 * edges that point at it. A node without incoming edges learns from the task alone.
 *
 * <p>Graphs of the existing methods (a sharing graph's {@code taskWeight} set) use
 * {@code taskWeight·task + Σ w_edge·term_edge} instead.
 *
 * <p>Every term has a name that is also its metric name: {@code task}, then one per edge such as
 * {@code predictions<-teacher} or {@code features<-s2}, and {@code total}.
 */
public final class NodeLoss {

    private final String node;
    private final List<Edge> incoming;
    private final List<EdgeTerm> terms;
    private final double alpha;
    private final Double taskWeight;
    private final TaskLoss taskLoss;

    /** A classification node loss. */
    public NodeLoss(String node, List<Edge> incoming, double alpha, double temperature) {
        this(node, incoming, alpha, temperature, TaskLoss.CLASSIFICATION);
    }

    /**
     * A node loss whose edges carry kdml's two styles only.
     *
     * @param node the learning node, e.g. {@code s1}
     * @param incoming the edges that point at it
     * @param alpha weight of the distillation part, in [0, 1]
     * @param temperature T of the prediction terms
     * @param taskLoss the task's loss and prediction term
     */
    public NodeLoss(String node, List<Edge> incoming, double alpha, double temperature, TaskLoss taskLoss) {
        this(node, incoming, styles(incoming, temperature, taskLoss), alpha, null, taskLoss);
    }

    /**
     * A node loss with any terms.
     *
     * @param terms one term per edge of {@code incoming}, in order
     * @param taskWeight null for the blend {@code (1-α)·task + α·Σ w·term}; otherwise the loss is
     *     {@code taskWeight·task + Σ w·term}
     */
    public NodeLoss(String node, List<Edge> incoming, List<EdgeTerm> terms, double alpha, Double taskWeight,
            TaskLoss taskLoss) {
        this.taskLoss = taskLoss;
        this.node = node;
        this.incoming = List.copyOf(incoming);
        this.terms = List.copyOf(terms);
        this.alpha = alpha;
        this.taskWeight = taskWeight;
        if (terms.size() != incoming.size()) {
            throw new IllegalArgumentException(incoming.size() + " edges into " + node + " but " + terms.size()
                    + " terms");
        }
        for (Edge e : incoming) {
            if (!e.to().equals(node)) {
                throw new IllegalArgumentException("edge " + e + " does not point at " + node);
            }
        }
    }

    /**
     * The terms of kdml's two styles: {@code predictions} (the task's prediction term at
     * {@code temperature}) and {@code features} (MSE of the shared feature maps).
     *
     * @throws IllegalArgumentException for an edge that carries an existing method (those need
     *     the engine's method registry, which builds their modules)
     */
    public static List<EdgeTerm> styles(List<Edge> incoming, double temperature, TaskLoss taskLoss) {
        List<EdgeTerm> out = new ArrayList<>();
        for (Edge e : incoming) {
            out.add(switch (e.knowledge()) {
                case PREDICTIONS -> (outputs, labels, ps, training) -> taskLoss.prediction(
                        source(outputs, e).get(0), outputs.get(e.to()).get(0), temperature);
                case FEATURES -> (outputs, labels, ps, training) -> Terms.featureMse(source(outputs, e).get(1),
                        outputs.get(e.to()).get(1));
                default -> throw new IllegalArgumentException("edge " + e + " carries the method " + e.knowledge().key()
                        + ", which needs its module built (core.distill.Methods)");
            });
        }
        return out;
    }

    /** @return the source node's outputs of {@code e} */
    public static NDList source(Map<String, NDList> outputs, Edge e) {
        NDList src = outputs.get(e.from());
        if (src == null) {
            throw new IllegalStateException("no output for node " + e.from() + " (edge " + e + ")");
        }
        return src;
    }

    /** @return the learning node */
    public String node() {
        return node;
    }

    /** Computes the loss with no edge modules (kdml's two styles). */
    public Map<String, NDArray> compute(Map<String, NDList> outputs, NDArray labels) {
        return compute(outputs, labels, null, false);
    }

    /**
     * Computes the loss.
     *
     * @param outputs every node's {@code [logits, feature, stage1..stage4]} by node name
     * @param labels class indices (N), or masks (N, 1, H, W) for segmentation
     * @param ps where edge modules find their parameters
     * @param training whether this is a training step
     * @return named terms in order; the last, {@code total}, is what is minimised
     */
    public Map<String, NDArray> compute(Map<String, NDList> outputs, NDArray labels, ParameterStore ps,
            boolean training) {
        NDList own = outputs.get(node);
        Map<String, NDArray> named = new LinkedHashMap<>();
        NDArray task = taskLoss.task(own.get(0), labels);
        named.put("task", task);
        if (incoming.isEmpty()) {
            named.put("total", taskWeight == null ? task : Tensors.mul(task, taskWeight));
            return named;
        }
        NDArray distill = null;
        for (int i = 0; i < incoming.size(); i++) {
            Edge e = incoming.get(i);
            NDArray term = terms.get(i).compute(outputs, labels, ps, training);
            named.put(e.termName(), term);
            NDArray weighted = Tensors.mul(term, e.weight());
            distill = distill == null ? weighted : distill.add(weighted);
        }
        NDArray total = taskWeight == null
                ? Tensors.mul(task, 1 - alpha).add(Tensors.mul(distill, alpha))
                : taskWeight == 0 ? distill : Tensors.mul(task, taskWeight).add(distill);
        named.put("total", total);
        return named;
    }
}
