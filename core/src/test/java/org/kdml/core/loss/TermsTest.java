package org.kdml.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;

class TermsTest {

    @Test
    void klOfIdenticalDistributionsIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(new float[] {1.5f, -0.3f, 0.2f, 4f, 0f, -1f}, new Shape(2, 3));
            assertEquals(0.0, Terms.softKl(z, z.duplicate(), 2.0).getFloat(), 1e-6);
        }
    }

    /**
     * Worked by hand: source logits (2, 0), target (0, 0), T = 2. p_src = softmax(1, 0) =
     * (e/(e+1), 1/(e+1)) = (0.731059, 0.268941); p_dst = (0.5, 0.5).
     * KL = 0.731059·ln(1.462117) + 0.268941·ln(0.537883) = 0.277717 − 0.166776 = 0.110941;
     * T²·KL = 0.443776.
     */
    @Test
    void klTwoClassExampleAtTemperatureTwo() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.create(new float[] {2f, 0f}, new Shape(1, 2));
            NDArray dst = m.create(new float[] {0f, 0f}, new Shape(1, 2));
            assertEquals(0.4437763, Terms.softKl(src, dst, 2.0).getFloat(), 1e-5);
            // Batch mean: the same row twice gives the same value.
            NDArray src2 = m.create(new float[] {2f, 0f, 2f, 0f}, new Shape(2, 2));
            NDArray dst2 = m.create(new float[] {0f, 0f, 0f, 0f}, new Shape(2, 2));
            assertEquals(0.4437763, Terms.softKl(src2, dst2, 2.0).getFloat(), 1e-5);
        }
    }

    /** Differences 0, 2, 0, −4 → squares 0, 4, 0, 16 → mean 5. */
    @Test
    void featureMseIsTheMeanOfSquaredDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            NDArray dst = m.create(new float[] {1, 0, 3, 8}, new Shape(1, 1, 2, 2));
            assertEquals(5.0, Terms.featureMse(src, dst).getFloat(), 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Terms.featureMse(src, m.zeros(new Shape(1, 2, 2, 2))));
            assertEquals("feature shapes differ: source (1, 1, 2, 2) vs target (1, 2, 2, 2)", e.getMessage());
        }
    }

    /** Logits (0, ln 3): p = (1/4, 3/4); label 1 → −ln 0.75 = 0.287682. */
    @Test
    void crossEntropyOfAWorkedExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(new float[] {0f, (float) Math.log(3)}, new Shape(1, 2));
            assertEquals(0.2876821, Terms.crossEntropy(z, m.create(new long[] {1})).getFloat(), 1e-6);
        }
    }

    @Test
    void temperatureMustBePositive() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.zeros(new Shape(1, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Terms.softKl(z, z, 0));
            assertEquals("temperature must be > 0, got 0.0", e.getMessage());
        }
    }

    /**
     * (1−α)·task + α·Σ w·term with α = 0.25: task = 0.287682 (logits (0, ln 3), label 1), a
     * prediction edge of weight 2 from an identical source (term 0) and a feature edge of weight 1
     * with MSE 5 → 0.75·0.287682 + 0.25·(2·0 + 5) = 1.465761.
     */
    @Test
    void nodeLossCombinesNamedTerms() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(new float[] {0f, (float) Math.log(3)}, new Shape(1, 2));
            NDArray f1 = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            NDArray f2 = m.create(new float[] {1, 0, 3, 8}, new Shape(1, 1, 2, 2));
            NodeLoss loss = new NodeLoss("s1", List.of(new Edge("teacher", "s1", Knowledge.PREDICTIONS, 2.0),
                    Edge.of("s2", "s1", Knowledge.FEATURES)), 0.25, 2.0);
            Map<String, NDArray> terms = loss.compute(Map.of("s1", new NDList(z, f2), "teacher", new NDList(z, f1),
                    "s2", new NDList(z, f1)), m.create(new long[] {1}));
            assertEquals(List.of("task", "predictions<-teacher", "features<-s2", "total"), List.copyOf(terms.keySet()));
            assertEquals(1.465761, terms.get("total").getFloat(), 1e-5);
        }
    }

    /**
     * Two incoming edges of different weight, α = 0.3, every term non-zero. s1's logits (0, 0),
     * label 1: task = ln 2 = 0.693147. Edge teacher→s1, predictions, weight 0.25: teacher logits
     * (2, 0), T = 2 → 0.443776 (the worked KL above). Edge s2→s1, features, weight 2: MSE of
     * (1, 2, 3, 4) against (1, 0, 3, 8) = 5. Total = 0.7·0.693147 + 0.3·(0.25·0.443776 + 2·5)
     * = 0.485203 + 0.3·10.110944 = 3.518486. Ignoring the weights gives 0.485203 + 0.3·5.443776
     * = 2.118336; swapping them 1.126469; ignoring α (task + Σ w·term) 10.804091.
     */
    @Test
    void nodeLossWeighsEachEdgeAndMixesWithAlpha() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray own = m.create(new float[] {0f, 0f}, new Shape(1, 2));
            NDArray teacher = m.create(new float[] {2f, 0f}, new Shape(1, 2));
            NDArray f1 = m.create(new float[] {1, 0, 3, 8}, new Shape(1, 1, 2, 2));
            NDArray f2 = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            NodeLoss loss = new NodeLoss("s1", List.of(new Edge("teacher", "s1", Knowledge.PREDICTIONS, 0.25),
                    new Edge("s2", "s1", Knowledge.FEATURES, 2.0)), 0.3, 2.0);
            Map<String, NDArray> terms = loss.compute(Map.of("s1", new NDList(own, f1), "teacher",
                    new NDList(teacher, m.zeros(new Shape(1, 1, 2, 2))), "s2", new NDList(own, f2)),
                    m.create(new long[] {1}));
            assertEquals(List.of("task", "predictions<-teacher", "features<-s2", "total"), List.copyOf(terms.keySet()));
            assertEquals(0.6931472, terms.get("task").getFloat(), 1e-6);
            assertEquals(0.4437763, terms.get("predictions<-teacher").getFloat(), 1e-5);
            assertEquals(5.0, terms.get("features<-s2").getFloat(), 1e-6);
            assertEquals(3.518486, terms.get("total").getFloat(), 1e-5);
        }
    }

    @Test
    void theSourceOfEveryTermGetsNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray src = m.create(new float[] {2f, 0f, -1f, 1f}, new Shape(2, 2));
            NDArray dst = m.create(new float[] {0f, 1f, 0.5f, 0.5f}, new Shape(2, 2));
            src.setRequiresGradient(true);
            dst.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(Terms.softKl(src, dst, 2.0).add(Terms.featureMse(src, dst)));
            }
            assertEquals(0f, src.getGradient().abs().sum().getFloat());
            assertTrue(dst.getGradient().abs().sum().getFloat() > 0);
        }
    }
}
