package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One edge of the sharing graph: {@code from} teaches {@code to} with {@code knowledge}.
 *
 * <p>Node names are {@code teacher} and {@code s1}, {@code s2}, …; the source side of every edge
 * is detached when the term is computed.
 *
 * @param from the teaching node
 * @param to the learning node
 * @param knowledge what travels on the edge
 * @param weight the edge's weight {@code w_edge} in the learner's loss (≥ 0; in spec data it
 *     defaults to 1, or to an existing method's usual weight β)
 */
public record Edge(String from, String to, Knowledge knowledge, double weight) {

    /** Validates the edge. */
    public Edge {
        SpecException.check(from != null && SharingGraph.isNode(from), "edge.from",
                "unknown node '" + from + "'; valid: teacher, s1, s2, ...");
        SpecException.check(to != null && SharingGraph.isNode(to), "edge.to",
                "unknown node '" + to + "'; valid: teacher, s1, s2, ...");
        SpecException.check(!from.equals(to), "edge", "a node cannot teach itself: " + from);
        SpecException.check(knowledge != null, "edge.knowledge", "is required");
        SpecException.check(Double.isFinite(weight) && weight >= 0, "edge.weight",
                "must be a finite number >= 0, got " + weight);
    }

    /** Creates an edge of weight 1. */
    public static Edge of(String from, String to, Knowledge knowledge) {
        return new Edge(from, to, knowledge, 1.0);
    }

    /** Reads an edge from spec data: {@code {from, to, knowledge, weight?}}. */
    @JsonCreator
    static Edge fromJson(@JsonProperty("from") String from, @JsonProperty("to") String to,
            @JsonProperty("knowledge") String knowledge, @JsonProperty("weight") Double weight) {
        Knowledge k = Knowledge.of("edge.knowledge", knowledge);
        return new Edge(from, to, k, weight == null ? k.defaultWeight() : weight);
    }

    /** @return the metric name of this edge's term, e.g. {@code predictions<-teacher} */
    public String termName() {
        return knowledge.key() + "<-" + from;
    }

    @Override
    public String toString() {
        return from + "->" + to + ":" + knowledge.key() + (weight == 1.0 ? "" : "*" + weight);
    }
}
