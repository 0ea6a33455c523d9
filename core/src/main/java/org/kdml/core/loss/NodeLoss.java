package org.kdml.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;

/**
 * The loss of one node of the sharing graph: {@code (1-α)·task + α·Σ w_edge·term_edge} over the
 * edges that point at it. A node without incoming edges learns from the task alone.
 *
 * <p>Every term has a name that is also its metric name: {@code task}, then one per edge such as
 * {@code predictions<-teacher} or {@code features<-s2}, and {@code total}.
 */
public final class NodeLoss {

    private final String node;
    private final List<Edge> incoming;
    private final double alpha;
    private final double temperature;
    private final TaskLoss taskLoss;

    /** A classification node loss. */
    public NodeLoss(String node, List<Edge> incoming, double alpha, double temperature) {
        this(node, incoming, alpha, temperature, TaskLoss.CLASSIFICATION);
    }

    /**
     * @param node the learning node, e.g. {@code s1}
     * @param incoming the edges that point at it
     * @param alpha weight of the distillation part, in [0, 1]
     * @param temperature T of the prediction terms
     * @param taskLoss the task's loss and prediction term
     */
    public NodeLoss(String node, List<Edge> incoming, double alpha, double temperature, TaskLoss taskLoss) {
        this.taskLoss = taskLoss;
        this.node = node;
        this.incoming = List.copyOf(incoming);
        this.alpha = alpha;
        this.temperature = temperature;
        for (Edge e : incoming) {
            if (!e.to().equals(node)) {
                throw new IllegalArgumentException("edge " + e + " does not point at " + node);
            }
        }
    }

    /** @return the learning node */
    public String node() {
        return node;
    }

    /**
     * Computes the loss.
     *
     * @param outputs every node's {@code [logits, feature]} by node name
     * @param labels class indices (N), or masks (N, 1, H, W) for segmentation
     * @return named terms in order; the last, {@code total}, is what is minimised
     */
    public Map<String, NDArray> compute(Map<String, NDList> outputs, NDArray labels) {
        NDList own = outputs.get(node);
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray task = taskLoss.task(own.get(0), labels);
        terms.put("task", task);
        if (incoming.isEmpty()) {
            terms.put("total", task);
            return terms;
        }
        NDArray distill = null;
        for (Edge e : incoming) {
            NDList src = outputs.get(e.from());
            if (src == null) {
                throw new IllegalStateException("no output for node " + e.from() + " (edge " + e + ")");
            }
            NDArray term = e.knowledge() == Knowledge.PREDICTIONS
                    ? taskLoss.prediction(src.get(0), own.get(0), temperature)
                    : Terms.featureMse(src.get(1), own.get(1));
            terms.put(e.termName(), term);
            NDArray weighted = Tensors.mul(term, e.weight());
            distill = distill == null ? weighted : distill.add(weighted);
        }
        terms.put("total", Tensors.mul(task, 1 - alpha).add(Tensors.mul(distill, alpha)));
        return terms;
    }
}
