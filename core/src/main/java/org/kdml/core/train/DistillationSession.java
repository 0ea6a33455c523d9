package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.TeacherTraining;

/**
 * The training state of one run: its networks, one Adam optimiser per network ({@link FusedAdam})
 * and the loss of every node. It owns native memory and must be closed.
 *
 * <p>A step ({@link SessionStep}) runs every network once, computes each trainable node's loss, and
 * back-propagates their sum once; because every term detaches its source, each network receives
 * exactly the gradient of its own loss. A frozen teacher ({@link FrozenTeacher}) runs in inference
 * mode (batch-norm statistics fixed) with its parameters excluded from autograd, and no optimiser
 * step touches it. What it trains is {@link Trainables}; its files are {@link SessionFiles}, a
 * node's weights {@link NodeWeights}, best-epoch copies {@link Snapshots}.
 */
public final class DistillationSession implements Inference, AutoCloseable {

    private final NDManager manager;
    private final SharingGraph graph;
    private final Trainables trainables;
    private final Map<String, NodeLoss> losses = new LinkedHashMap<>();
    private final Snapshots snapshots;
    private final PhaseClock clock = new PhaseClock();
    private final SkipPolicy skips;
    private final SessionFiles files;
    private final ParameterStore ps;
    private final TaskLoss taskLoss;
    private final FrozenTeacher teacher;
    private final NodeWeights weights;
    private final SessionStep step;

    /** Consecutive skipped optimiser steps of one node after which training stops. */
    public static final int MAX_SKIPPED_IN_A_ROW = SkipPolicy.MAX_IN_A_ROW;

    /**
     * @param manager owns the networks' parameters; closed with the session
     * @param graph the sharing graph
     * @param nets networks by node name, initialised
     * @param learningRate Adam's learning rate
     * @param alpha weight of distillation terms
     * @param taskLoss the task's loss and prediction term (classification or segmentation)
     * @param built every edge's term and the learners' edge modules ({@code Methods.build}, or
     *     {@code Methods.styles} for kdml's two styles alone)
     */
    public DistillationSession(NDManager manager, SharingGraph graph, Map<String, DistillNet> nets,
            double learningRate, double alpha, TaskLoss taskLoss, Methods.Built built) {
        this.taskLoss = taskLoss;
        this.manager = manager;
        this.graph = graph;
        this.ps = new ParameterStore(manager, false);
        this.trainables = Trainables.of(manager, graph, nets, built, learningRate);
        for (String node : graph.nodes()) {
            losses.put(node, new NodeLoss(node, graph.edgesInto(node), built.terms().get(node), alpha,
                    graph.taskWeight(), taskLoss));
        }
        this.snapshots = new Snapshots(manager);
        this.skips = new SkipPolicy(manager, trainables::parametersOf);
        this.files = new SessionFiles(manager, trainables, snapshots);
        this.teacher = new FrozenTeacher(manager, trainables.nets());
        this.weights = new NodeWeights(manager, trainables.nets(), teacher, snapshots);
        this.step = new SessionStep(trainables, ps, skips, clock, teacher);
    }

    /** Sets the learning rate of every optimiser from the next step on (a schedule's epoch rate). */
    void learningRate(double rate) {
        trainables.learningRate(rate);
    }

    /** @return the trainable parameters of the edge modules into {@code node} (0 when none) */
    public long edgeModuleParameters(String node) {
        return trainables.edgeModuleParameters(node);
    }

    /** @return the networks by node name */
    @Override
    public Map<String, DistillNet> networks() {
        return trainables.nets();
    }

    /** @return the nodes an optimiser step changes in {@link #jointStep} */
    public List<String> trainableNodes() {
        List<String> out = new ArrayList<>();
        for (String node : graph.nodes()) {
            if (!node.equals(SharingGraph.TEACHER) || (graph.teacher() == TeacherTraining.JOINT && !teacher.frozen())) {
                out.add(node);
            }
        }
        return out;
    }

    /**
     * One step of the teacher alone on its task loss (the first phase of KD off).
     *
     * @return {@code teacher/task} and {@code teacher/total}
     */
    public Map<String, Double> teacherStep(NDArray x, NDArray y) {
        if (teacher.frozen()) {
            throw new IllegalStateException("the teacher is frozen");
        }
        NodeLoss taskOnly = new NodeLoss(SharingGraph.TEACHER, List.of(), 0, 1, taskLoss);
        return step(x, y, List.of(SharingGraph.TEACHER), Map.of(SharingGraph.TEACHER, taskOnly));
    }

    /**
     * One step of every trainable node on its full loss ({@link SessionStep}); a node whose
     * gradients are not finite skips the update, and {@value #MAX_SKIPPED_IN_A_ROW} skipped steps
     * in a row stop training ({@link SkipPolicy}).
     *
     * @return every term of every trainable node, named {@code node/term}
     */
    public Map<String, Double> jointStep(NDArray x, NDArray y) {
        Map<String, NodeLoss> active = new LinkedHashMap<>();
        for (String n : trainableNodes()) {
            active.put(n, losses.get(n));
        }
        return step(x, y, graph.nodes(), active);
    }

    /**
     * DJL's PyTorch engine allows one gradient collector per process at a time: sessions training on
     * several threads of one JVM (several in-process workers) take turns step by step, with
     * evaluation and CKA ({@link EngineTurns}).
     */
    private Map<String, Double> step(NDArray x, NDArray y, List<String> run, Map<String, NodeLoss> active) {
        return EngineTurns.step(() -> step.run(x, y, run, active));
    }

    /**
     * A diagnostic hook for tests and benches: {@code hook} runs in every step after the forward
     * pass and the losses and before backward, where a garbage collection would free Java memory
     * that autograd still reads (see {@code Churn}).
     */
    public void beforeBackward(Runnable hook) {
        step.beforeBackward(hook);
    }

    /** @return where the steps so far spent their time, by phase, and the tensors they made ({@link PhaseClock}) */
    public PhaseClock clock() {
        return clock;
    }

    /** Sets the skipped-step counts (from a checkpoint). */
    void restoreSkipped(Map<String, Integer> counts) {
        skips.restoreCounts(counts);
    }

    /** @return optimiser steps skipped per node because of non-finite gradients */
    public Map<String, Integer> skippedUpdates() {
        return skips.counts();
    }

    /**
     * Runs every network in inference mode, without autograd.
     *
     * @return {@code [logits, feature]} by node name, attached to {@code x}'s manager
     */
    @Override
    public Map<String, NDList> infer(NDArray x) {
        return infer(x, trainables.nets().keySet());
    }

    /** {@link #infer(NDArray)} of the networks {@code nodes} only, in the session's order. */
    @Override
    public Map<String, NDList> infer(NDArray x, Collection<String> nodes) {
        return Inference.forward(trainables.nets(), ps, x, nodes);
    }

    /**
     * Freezes the teacher: no gradient, no optimiser step, inference-mode batch norm from now on.
     * From its next forward pass it runs as an inference graph with batch norm folded into the
     * convolutions unless {@link #foldFrozenTeacher} turned that off or it
     * cannot be folded ({@link FrozenTeacher}).
     */
    public void freezeTeacher() {
        teacher.freeze();
    }

    /**
     * Whether a frozen teacher runs as a batch-norm-folded inference graph (default true; its
     * outputs equal the network's up to float rounding). Off, it runs its training graph in
     * inference mode, as a PyTorch script's {@code teacher.eval()} does.
     */
    public void foldFrozenTeacher(boolean fold) {
        teacher.fold(fold);
    }

    /** @return the manager that owns the networks; sub-managers of it hold per-step arrays */
    @Override
    public NDManager manager() {
        return manager;
    }

    /** Copies the current parameters (and batch-norm statistics) of {@code node} aside. */
    public void snapshot(String node) {
        snapshots.take(node, trainables.nets().get(node));
    }

    /** Restores the parameters last copied by {@link #snapshot}, bit for bit, in place. */
    public void restore(String node) {
        teacher.dropIfTeacher(node);
        snapshots.restore(node, trainables.nets().get(node));
    }

    /** @return {@code node}'s weights in and out: DJL's array encoding and block format ({@link NodeWeights}) */
    NodeWeights weights() {
        return weights;
    }

    /**
     * Writes the whole training state into {@code dir}: every network's current parameters
     * ({@code <node>.params}), every best-epoch snapshot ({@code <node>.best.params}) and every
     * optimiser's moments and step counts ({@code <node>.adam}), so that {@link #loadState} continues
     * bit for bit where this left off ({@link SessionFiles}).
     */
    public void saveState(Path dir) throws IOException {
        files.save(dir);
    }

    /**
     * Reads a state written by {@link #saveState}; the networks must have the same architecture.
     * Call it before the first step.
     */
    public void loadState(Path dir) throws IOException {
        teacher.drop();
        files.load(dir);
    }

    @Override
    public void close() {
        teacher.close();
        trainables.closeOptimizers();
        snapshots.close();
        manager.close();
    }
}
