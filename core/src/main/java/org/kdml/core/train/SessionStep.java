package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.kdml.core.tensor.ThreadGradients;
import ai.djl.training.ParameterStore;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.distill.Adversary;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.model.InferenceGraph;

/**
 * One optimiser step of a session: every network of the step runs once (a frozen teacher as its
 * folded graph), each active node's loss is computed, their sum is back-propagated once, and each
 * node whose gradients are finite is updated ({@link SkipPolicy} skips and restores the others);
 * then SKD's discriminators train. Because every term detaches its source, each network receives
 * exactly the gradient of its own loss. Each phase is timed on the session's {@link PhaseClock}.
 */
final class SessionStep {

    private final Trainables t;
    private final ParameterStore ps;
    private final SkipPolicy skips;
    private final PhaseClock clock;
    private final FrozenTeacher teacher;
    /** Runs between the forward pass and backward (a test hook; nothing by default). */
    private Runnable beforeBackward = () -> { };

    SessionStep(Trainables trainables, ParameterStore ps, SkipPolicy skips, PhaseClock clock, FrozenTeacher teacher) {
        this.t = trainables;
        this.ps = ps;
        this.skips = skips;
        this.clock = clock;
        this.teacher = teacher;
    }

    /** Sets the hook that runs in every step after the losses and before backward. */
    void beforeBackward(Runnable hook) {
        beforeBackward = hook;
    }

    /**
     * Runs the networks {@code run}, trains the nodes of {@code active} on their losses.
     *
     * @return every term of every active node, named {@code node/term}, and each discriminator's
     *     loss; empty when the loss was not finite (nothing was updated)
     */
    Map<String, Double> run(NDArray x, NDArray y, List<String> run, Map<String, NodeLoss> active) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        boolean finite = true;
        Map<Parameter, NDArray> stats = skips.statistics(active.keySet(), x.getManager());
        t0 = clock.phase("statistics", t0);
        NDManager caller = x.getManager();
        try (GradientCollector gc = new ThreadGradients()) {
            NDArray sum = null;
            // The forward pass and the losses run in a manager of their own, closed before the
            // backward pass: the graph keeps what backward needs, and every other intermediate is
            // freed now instead of at the end of the step (lower peak memory, memory reused).
            // DJL puts an operation's output in its first operand's manager, so moving x moves them.
            try (NDManager pass = caller.newSubManager()) {
                x.attach(pass);
                try {
                    Map<String, NDList> outputs = new HashMap<>();
                    for (String node : run) {
                        InferenceGraph folded = active.containsKey(node) ? null : teacher.graphFor(node);
                        outputs.put(node, folded != null ? folded.forward(x)
                                : t.nets().get(node).forward(ps, new NDList(x), active.containsKey(node)));
                    }
                    t0 = clock.phase("forward", t0);
                    for (NodeLoss loss : active.values()) {
                        Map<String, NDArray> terms = loss.compute(outputs, y, ps, true);
                        for (Map.Entry<String, NDArray> term : terms.entrySet()) {
                            double v = term.getValue().getFloat();
                            finite &= Double.isFinite(v);
                            metrics.put(loss.node() + "/" + term.getKey(), v);
                        }
                        NDArray total = terms.get("total");
                        sum = sum == null ? total : sum.add(total);
                    }
                    sum.attach(caller);
                    // Every libtorch tensor the forward pass and the losses made (each is one native
                    // operation's output): the step's count of native calls, bar backward and the update.
                    clock.tensors(pass.getManagedArrays().size() + 1);
                } finally {
                    x.attach(caller);
                }
            }
            t0 = clock.phase("loss", t0);
            if (finite) {
                beforeBackward.run();
                gc.backward(sum);
            }
        }
        clock.phase("backward", t0);
        if (!finite) {
            // A non-finite loss: no backward, no update, statistics restored; counted like a non-finite gradient.
            SkipPolicy.restoreAll(stats);
            for (String node : active.keySet()) {
                skips.skip(node);
            }
            return Map.of();
        }
        for (String node : active.keySet()) {
            if (!update(node)) {
                skips.restore(node, stats);
            }
        }
        long ta = System.nanoTime();
        for (int i = 0; i < t.adversaries().size(); i++) {
            Adversary a = t.adversaries().get(i);
            if (active.containsKey(a.node())) {
                FusedAdam opt = t.adversaryOptimizers().get(i);
                double d = a.train(ps, () -> opt.update(a.discriminator()));
                metrics.put(a.node() + "/discriminator" + (i == 0 ? "" : String.valueOf(i + 1)), d);
            }
        }
        if (!t.adversaries().isEmpty()) {
            clock.phase("adversary", ta);
        }
        return metrics;
    }

    /**
     * Applies the optimiser to {@code node}, unless one of its gradients is NaN or infinite: then
     * the step is skipped for that node (gradients cleared, weights untouched) and counted, as
     * loss-scaling trainers do.
     *
     * @return whether it was applied
     */
    private boolean update(String node) {
        long t0 = System.nanoTime();
        boolean finite = skips.gradientsFinite(node);
        t0 = clock.phase("check", t0);
        if (!finite) {
            skips.skip(node);
            return false;
        }
        skips.updated(node);
        t.optimizers().get(node).update(t.nets().get(node));
        if (t.modules().containsKey(node)) {
            t.moduleOptimizers().get(node).update(t.modules().get(node));
        }
        clock.phase("optimizer", t0);
        return true;
    }
}
