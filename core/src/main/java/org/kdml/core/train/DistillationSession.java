package org.kdml.core.train;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.distill.Adversary;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.EdgeTerm;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.EdgeModuleSet;
import org.kdml.core.model.InferenceGraph;
import org.kdml.core.model.SimKdStudent;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.Edge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.TeacherTraining;

/**
 * The training state of one run: its networks, one Adam optimiser per network ({@link FusedAdam})
 * and the loss of every node. It owns native memory and must be closed.
 *
 * <p>A step runs every network once, computes each trainable node's loss, and back-propagates their
 * sum once; because every term detaches its source, each network receives exactly the gradient of
 * its own loss. A frozen teacher runs in inference mode (batch-norm statistics fixed) with its
 * parameters excluded from autograd, and no optimiser step touches it.
 */
public final class DistillationSession implements Inference, AutoCloseable {

    private final NDManager manager;
    private final SharingGraph graph;
    private final Map<String, DistillNet> nets;
    private final Map<String, FusedAdam> optimizers = new HashMap<>();
    private final Map<String, NodeLoss> losses = new LinkedHashMap<>();
    /** The trainable modules of the edges into each learner (FitNets' regressor, VID's, SRRL's connector). */
    private final Map<String, EdgeModuleSet> modules;
    private final Map<String, FusedAdam> moduleOptimizers = new HashMap<>();
    /** SKD's discriminators, each with an optimiser of its own, trained after their learner's step. */
    private final List<Adversary> adversaries;
    private final List<FusedAdam> adversaryOptimizers = new ArrayList<>();
    private final Snapshots snapshots;
    private final PhaseClock clock = new PhaseClock();
    private final SkipPolicy skips;
    private final SessionFiles files;
    private final ParameterStore ps;
    private final TaskLoss taskLoss;
    private boolean teacherFrozen;
    /** Whether a frozen teacher runs as a batch-norm-folded {@link InferenceGraph} (the default). */
    private boolean foldFrozenTeacher = true;
    /** The frozen teacher's inference graph, built at its first use after {@link #freezeTeacher}. */
    private InferenceGraph frozenTeacher;
    /** Set when the teacher cannot be folded (a U-Net, a block kind the graph does not know). */
    private boolean teacherUnfoldable;

    /** Runs between the forward pass and backward (a test hook; nothing by default). */
    private Runnable beforeBackward = () -> { };

    /** Consecutive skipped optimiser steps of one node after which training stops. */
    public static final int MAX_SKIPPED_IN_A_ROW = SkipPolicy.MAX_IN_A_ROW;

    /**
     * @param manager owns the networks' parameters; closed with the session
     * @param graph the sharing graph
     * @param nets networks by node name, initialised
     * @param learningRate Adam's learning rate
     * @param alpha weight of distillation terms
     * @param temperature T of prediction terms
     */
    public DistillationSession(NDManager manager, SharingGraph graph, Map<String, DistillNet> nets,
            double learningRate, double alpha, double temperature) {
        this(manager, graph, nets, learningRate, alpha, temperature, TaskLoss.CLASSIFICATION);
    }

    /**
     * A session for any task.
     *
     * @param taskLoss the task's loss and prediction term (classification or segmentation)
     */
    public DistillationSession(NDManager manager, SharingGraph graph, Map<String, DistillNet> nets,
            double learningRate, double alpha, double temperature, TaskLoss taskLoss) {
        this(manager, graph, nets, learningRate, alpha, taskLoss, styles(graph, temperature, taskLoss));
    }

    /**
     * A session whose edges may carry existing methods.
     *
     * @param built every edge's term and the learners' edge modules ({@code Methods.build})
     */
    public DistillationSession(NDManager manager, SharingGraph graph, Map<String, DistillNet> nets,
            double learningRate, double alpha, TaskLoss taskLoss, Methods.Built built) {
        this.taskLoss = taskLoss;
        this.manager = manager;
        this.graph = graph;
        this.nets = new LinkedHashMap<>(nets);
        this.ps = new ParameterStore(manager, false);
        this.modules = new LinkedHashMap<>(built.modules());
        this.adversaries = List.copyOf(built.adversaries());
        for (int i = 0; i < adversaries.size(); i++) {
            adversaryOptimizers.add(new FusedAdam(manager, learningRate));
        }
        for (String node : graph.nodes()) {
            if (!nets.containsKey(node)) {
                throw new IllegalArgumentException("no network for node " + node);
            }
            optimizers.put(node, new FusedAdam(manager, learningRate));
            losses.put(node, new NodeLoss(node, graph.edgesInto(node), built.terms().get(node), alpha,
                    graph.taskWeight(), taskLoss));
        }
        for (String node : modules.keySet()) {
            moduleOptimizers.put(node, new FusedAdam(manager, learningRate));
        }
        this.snapshots = new Snapshots(manager);
        this.skips = new SkipPolicy(manager, this::parametersOf);
        this.files = new SessionFiles(manager, new SessionFiles.Trainables(this.nets, modules, optimizers,
                moduleOptimizers, adversaries, adversaryOptimizers), snapshots);
    }

    /**
     * kdml's two styles on every edge; an edge that carries an existing method gets a term that
     * refuses to run (such a session only evaluates: its modules were not built).
     */
    private static Methods.Built styles(SharingGraph graph, double temperature, TaskLoss taskLoss) {
        Map<String, List<EdgeTerm>> terms = new LinkedHashMap<>();
        for (String node : graph.nodes()) {
            List<EdgeTerm> list = new ArrayList<>();
            for (Edge e : graph.edgesInto(node)) {
                list.add(e.knowledge().isMethod() ? (outputs, labels, ps, training) -> {
                    throw new IllegalStateException("edge " + e + ": this session was built without its module");
                } : NodeLoss.styles(List.of(e), temperature, taskLoss).get(0));
            }
            terms.put(node, list);
        }
        return new Methods.Built(terms, Map.of());
    }

    /** @return the trainable parameters of the edge modules into {@code node} (0 when none) */
    public long edgeModuleParameters(String node) {
        EdgeModuleSet set = modules.get(node);
        long n = set == null ? 0 : set.parameterCount();
        for (Adversary a : adversaries) {
            if (a.node().equals(node)) {
                n += EdgeModuleSet.count(a.discriminator());
            }
        }
        return n;
    }

    /** @return the networks by node name */
    @Override
    public Map<String, DistillNet> networks() {
        return nets;
    }

    /** @return the nodes an optimiser step changes in {@link #jointStep} */
    public List<String> trainableNodes() {
        List<String> out = new ArrayList<>();
        for (String node : graph.nodes()) {
            if (!node.equals(SharingGraph.TEACHER) || (graph.teacher() == TeacherTraining.JOINT && !teacherFrozen)) {
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
        if (teacherFrozen) {
            throw new IllegalStateException("the teacher is frozen");
        }
        NodeLoss taskOnly = new NodeLoss(SharingGraph.TEACHER, List.of(), 0, 1, taskLoss);
        return step(x, y, List.of(SharingGraph.TEACHER), Map.of(SharingGraph.TEACHER, taskOnly));
    }

    /**
     * One step of every trainable node on its full loss.
     *
     * @return every term of every trainable node, named {@code node/term}
     */
    public Map<String, Double> jointStep(NDArray x, NDArray y) {
        List<String> trainable = trainableNodes();
        Map<String, NodeLoss> active = new LinkedHashMap<>();
        for (String n : trainable) {
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
        return EngineTurns.step(() -> stepLocked(x, y, run, active));
    }

    private Map<String, Double> stepLocked(NDArray x, NDArray y, List<String> run, Map<String, NodeLoss> active) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        long t = System.nanoTime();
        boolean finite = true;
        Map<Parameter, NDArray> stats = skips.statistics(active.keySet(), x.getManager());
        t = phase("statistics", t);
        NDManager caller = x.getManager();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
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
                        InferenceGraph folded = active.containsKey(node) ? null : inferenceGraph(node);
                        outputs.put(node, folded != null ? folded.forward(x)
                                : nets.get(node).forward(ps, new NDList(x), active.containsKey(node)));
                    }
                    t = phase("forward", t);
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
            t = phase("loss", t);
            if (finite) {
                beforeBackward.run();
                gc.backward(sum);
            }
        }
        phase("backward", t);
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
        for (int i = 0; i < adversaries.size(); i++) {
            Adversary a = adversaries.get(i);
            if (active.containsKey(a.node())) {
                FusedAdam opt = adversaryOptimizers.get(i);
                double d = a.train(ps, () -> opt.update(a.discriminator()));
                metrics.put(a.node() + "/discriminator" + (i == 0 ? "" : String.valueOf(i + 1)), d);
            }
        }
        if (!adversaries.isEmpty()) {
            phase("adversary", ta);
        }
        return metrics;
    }

    /**
     * A diagnostic hook for tests and benches: {@code hook} runs in every step after the forward
     * pass and the losses and before backward, where a garbage collection would free Java memory
     * that autograd still reads (see {@code Churn}).
     */
    public void beforeBackward(Runnable hook) {
        beforeBackward = hook;
    }

    private long phase(String name, long since) {
        return clock.phase(name, since);
    }

    /**
     * Seconds spent in each phase of the steps so far, in step order: {@code statistics} (batch-norm
     * statistics kept aside), {@code forward}, {@code loss}, {@code backward}, {@code check} (gradients
     * finite?) and {@code optimizer}; {@link #resetPhases} starts again.
     */
    public Map<String, Double> phaseSeconds() {
        return clock.seconds();
    }

    /** Forgets the phase times and tensor counts measured so far (after warm-up, say). */
    public void resetPhases() {
        clock.reset();
    }

    /**
     * @return libtorch tensors made by the forward passes and losses of the steps since
     *     {@link #resetPhases} (each the output of one native operation)
     */
    public long tensorsCreated() {
        return clock.tensors();
    }

    /**
     * Applies the optimiser to {@code node}, unless one of its gradients is NaN or infinite: then
     * the step is skipped for that node (gradients cleared, weights untouched) and counted, as
     * loss-scaling trainers do; {@value #MAX_SKIPPED_IN_A_ROW} skipped steps in a row stop training.
     * A step whose loss is not finite is skipped for every node the same way.
     */
    private boolean update(String node) {
        long t = System.nanoTime();
        boolean finite = skips.gradientsFinite(node);
        t = phase("check", t);
        if (!finite) {
            skips.skip(node);
            return false;
        }
        skips.updated(node);
        optimizers.get(node).update(nets.get(node));
        if (modules.containsKey(node)) {
            moduleOptimizers.get(node).update(modules.get(node));
        }
        phase("optimizer", t);
        return true;
    }

    /** The parameters an optimiser step of {@code node} changes: its network's, then its edge modules'. */
    private List<Pair<String, Parameter>> parametersOf(String node) {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        nets.get(node).getParameters().forEach(out::add);
        EdgeModuleSet set = modules.get(node);
        if (set != null) {
            set.getParameters().forEach(out::add);
        }
        return out;
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
        return infer(x, nets.keySet());
    }

    /** {@link #infer(NDArray)} of the networks {@code nodes} only, in the session's order. */
    @Override
    public Map<String, NDList> infer(NDArray x, Collection<String> nodes) {
        return Inference.forward(nets, ps, x, nodes);
    }

    /**
     * Freezes the teacher: no gradient, no optimiser step, inference-mode batch norm from now on.
     * From its next forward pass it runs as an {@link InferenceGraph} (batch norm folded into the
     * convolutions) unless {@link #foldFrozenTeacher} turned that off or it cannot be folded.
     */
    public void freezeTeacher() {
        DistillNet teacher = nets.get(SharingGraph.TEACHER);
        teacher.freezeParameters(true);
        teacherFrozen = true;
        dropInferenceGraph();
        for (DistillNet net : nets.values()) {
            if (net instanceof SimKdStudent simkd) {
                simkd.adoptTeacherHead(teacher.headParameters());
            }
        }
    }

    /**
     * Whether a frozen teacher runs as a batch-norm-folded inference graph (default true; its
     * outputs equal the network's up to float rounding). Off, it runs its training graph in
     * inference mode, as a PyTorch script's {@code teacher.eval()} does.
     */
    public void foldFrozenTeacher(boolean fold) {
        foldFrozenTeacher = fold;
        dropInferenceGraph();
    }

    /** @return the frozen teacher's inference graph for {@code node}, or null where the network runs as it is */
    private InferenceGraph inferenceGraph(String node) {
        if (!teacherFrozen || !foldFrozenTeacher || teacherUnfoldable || !node.equals(SharingGraph.TEACHER)) {
            return null;
        }
        if (frozenTeacher == null) {
            try {
                frozenTeacher = InferenceGraph.of(nets.get(node), manager);
            } catch (IllegalArgumentException e) {
                teacherUnfoldable = true;
                return null;
            }
        }
        return frozenTeacher;
    }

    /** Forgets the frozen teacher's inference graph: its weights changed, or may have. */
    private void dropInferenceGraph() {
        if (frozenTeacher != null) {
            frozenTeacher.close();
            frozenTeacher = null;
        }
        teacherUnfoldable = false;
    }

    /** @return the manager that owns the networks; sub-managers of it hold per-step arrays */
    @Override
    public NDManager manager() {
        return manager;
    }

    /** Copies the current parameters (and batch-norm statistics) of {@code node} aside. */
    public void snapshot(String node) {
        snapshots.take(node, nets.get(node));
    }

    /** Restores the parameters last copied by {@link #snapshot}, bit for bit, in place. */
    public void restore(String node) {
        if (node.equals(SharingGraph.TEACHER)) {
            dropInferenceGraph();
        }
        snapshots.restore(node, nets.get(node));
    }

    /**
     * @return {@code node}'s parameters (batch-norm statistics included), in the network's order, in
     *     DJL's array encoding: what {@link #adopt} copies back
     */
    public byte[] encode(String node) {
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
    public void adopt(String node, byte[] encoded) {
        if (node.equals(SharingGraph.TEACHER)) {
            dropInferenceGraph();
        }
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
        snapshot(node);
    }

    /**
     * Loads {@code node}'s parameters from DJL's block format ({@link #save}), replacing its arrays:
     * call it before the first step.
     */
    public void load(String node, InputStream in) throws IOException, MalformedModelException {
        if (node.equals(SharingGraph.TEACHER)) {
            dropInferenceGraph();
        }
        Tensors.loadParameters(nets.get(node), manager, new DataInputStream(in));
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }

    /** Writes {@code node}'s parameters in DJL's format (readable by {@code Block.loadParameters}). */
    public void save(String node, OutputStream out) throws IOException {
        DataOutputStream dos = new DataOutputStream(out);
        nets.get(node).saveParameters(dos);
        dos.flush();
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
        dropInferenceGraph();
        files.load(dir);
    }

    @Override
    public void close() {
        dropInferenceGraph();
        optimizers.values().forEach(FusedAdam::close);
        moduleOptimizers.values().forEach(FusedAdam::close);
        adversaryOptimizers.forEach(FusedAdam::close);
        snapshots.close();
        manager.close();
    }
}
