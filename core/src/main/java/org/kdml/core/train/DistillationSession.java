package org.kdml.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import ai.djl.Device;
import ai.djl.training.optimizer.Adam;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.TeacherTraining;

/**
 * The training state of one run: its networks, one Adam optimiser per network and the loss of
 * every node. It owns native memory and must be closed.
 *
 * <p>A step runs every network once, computes each trainable node's loss, and back-propagates their
 * sum once; because every term detaches its source, each network receives exactly the gradient of
 * its own loss. A frozen teacher runs in inference mode (batch-norm statistics fixed) with its
 * parameters excluded from autograd, and no optimiser step touches it.
 */
public final class DistillationSession implements AutoCloseable {

    private final NDManager manager;
    private final SharingGraph graph;
    private final Map<String, DistillNet> nets;
    private final Map<String, Optimizer> optimizers = new HashMap<>();
    private final Map<String, NodeLoss> losses = new LinkedHashMap<>();
    private final Map<String, NDManager> snapshots = new HashMap<>();
    private final ParameterStore ps;
    private final TaskLoss taskLoss;
    private boolean teacherFrozen;
    private final Map<String, Integer> skipped = new LinkedHashMap<>();
    private final Map<String, Integer> skippedInARow = new HashMap<>();

    /** Consecutive skipped optimiser steps of one node after which training stops. */
    public static final int MAX_SKIPPED_IN_A_ROW = 20;

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
        this.taskLoss = taskLoss;
        this.manager = manager;
        this.graph = graph;
        this.nets = new LinkedHashMap<>(nets);
        this.ps = new ParameterStore(manager, false);
        for (String node : graph.nodes()) {
            if (!nets.containsKey(node)) {
                throw new IllegalArgumentException("no network for node " + node);
            }
            optimizers.put(node, Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) learningRate)).build());
            losses.put(node, new NodeLoss(node, graph.edgesInto(node), alpha, temperature, taskLoss));
        }
    }

    /**
     * Turns PyTorch's autograd recording off on the calling thread. Grad mode is per thread in
     * PyTorch, and DJL switches it off only on the thread that loaded the engine: a run trained,
     * evaluated or analysed on another thread (a worker's training thread) must call this first,
     * or in-place weight copies fail and inference builds graphs. {@code GradientCollector} turns it
     * on for the span of each step.
     */
    public static void noGradOnThisThread() {
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        // The intra-op thread count is per calling thread with OpenMP, too: give this thread the
        // configured count (DJL applies it only to the thread that loaded the engine).
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        if (threads != null) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(Integer.parseInt(threads));
        }
    }

    /** @return the networks by node name */
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
     * several threads of one JVM (several in-process workers) take turns step by step.
     */
    private static final Object COLLECTOR_LOCK = new Object();

    private Map<String, Double> step(NDArray x, NDArray y, List<String> run, Map<String, NodeLoss> active) {
        synchronized (COLLECTOR_LOCK) {
            return stepLocked(x, y, run, active);
        }
    }

    private Map<String, Double> stepLocked(NDArray x, NDArray y, List<String> run, Map<String, NodeLoss> active) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        boolean finite = true;
        // Batch norm updates its running statistics during the forward pass: keep them, so that a
        // skipped step can put them back.
        Map<Parameter, NDArray> stats = new HashMap<>();
        for (String node : active.keySet()) {
            for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
                Parameter.Type type = p.getValue().getType();
                if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
                    NDArray copy = p.getValue().getArray().duplicate();
                    copy.attach(x.getManager());
                    stats.put(p.getValue(), copy);
                }
            }
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Map<String, NDList> outputs = new HashMap<>();
            for (String node : run) {
                outputs.put(node, nets.get(node).forward(ps, new NDList(x), active.containsKey(node)));
            }
            NDArray sum = null;
            for (NodeLoss loss : active.values()) {
                Map<String, NDArray> terms = loss.compute(outputs, y);
                for (Map.Entry<String, NDArray> t : terms.entrySet()) {
                    double v = t.getValue().getFloat();
                    finite &= Double.isFinite(v);
                    metrics.put(loss.node() + "/" + t.getKey(), v);
                }
                NDArray total = terms.get("total");
                sum = sum == null ? total : sum.add(total);
            }
            if (finite) {
                gc.backward(sum);
            }
        }
        if (!finite) {
            // A non-finite loss: no backward, no update, statistics restored; counted like a non-finite gradient.
            stats.forEach((param, saved) -> copyInto(param.getArray(), saved));
            for (String node : active.keySet()) {
                skip(node);
            }
            return Map.of();
        }
        for (String node : active.keySet()) {
            if (!update(node)) {
                for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
                    NDArray saved = stats.get(p.getValue());
                    if (saved != null) {
                        copyInto(p.getValue().getArray(), saved);
                    }
                }
            }
        }
        return metrics;
    }

    private void skip(String node) {
        skipped.merge(node, 1, Integer::sum);
        int row = skippedInARow.merge(node, 1, Integer::sum);
        clearGradients(node);
        if (row >= MAX_SKIPPED_IN_A_ROW) {
            throw new IllegalStateException("training diverged: " + node + " had a non-finite loss or gradients in "
                    + row + " steps in a row (lower training.learningRate, or check the data)");
        }
    }

    /**
     * Applies the optimiser to {@code node}, unless one of its gradients is NaN or infinite: then
     * the step is skipped for that node (gradients cleared, weights untouched) and counted, as
     * loss-scaling trainers do; {@value #MAX_SKIPPED_IN_A_ROW} skipped steps in a row stop training.
     * A step whose loss is not finite is skipped for every node the same way.
     */
    private boolean update(String node) {
        Optimizer opt = optimizers.get(node);
        if (!gradientsFinite(node)) {
            skip(node);
            return false;
        }
        skippedInARow.put(node, 0);
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            Parameter param = p.getValue();
            if (!param.requiresGradient()) {
                continue;
            }
            NDArray w = param.getArray();
            try (NDArray g = w.getGradient()) {
                opt.update(param.getId(), w, g);
                g.subi(g);
            }
        }
        return true;
    }

    /** Overwrites {@code target} with {@code source} in place (correct even when target holds NaN). */
    private static void copyInto(NDArray target, NDArray source) {
        target.set(new ai.djl.ndarray.index.NDIndex("..."), source);
    }

    /** One reduction per parameter, one read back per node: NaN or ±Inf anywhere makes the total non-finite. */
    private boolean gradientsFinite(String node) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray total = null;
            for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
                Parameter param = p.getValue();
                if (param.requiresGradient()) {
                    try (NDArray g = param.getArray().getGradient()) {
                        NDArray sum = g.sum();
                        sum.attach(tmp);
                        total = total == null ? sum : total.add(sum);
                        total.attach(tmp);
                    }
                }
            }
            return total == null || Float.isFinite(total.getFloat());
        }
    }

    private void clearGradients(String node) {
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            if (p.getValue().requiresGradient()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    g.muli(0);
                }
            }
        }
    }

    /** Sets the skipped-step counts (from a checkpoint). */
    void restoreSkipped(Map<String, Integer> counts) {
        skipped.clear();
        if (counts != null) {
            skipped.putAll(counts);
        }
    }

    /** @return optimiser steps skipped per node because of non-finite gradients */
    public Map<String, Integer> skippedUpdates() {
        return Map.copyOf(skipped);
    }

    /**
     * Runs every network in inference mode, without autograd.
     *
     * @return {@code [logits, feature]} by node name, attached to {@code x}'s manager
     */
    public Map<String, NDList> infer(NDArray x) {
        Map<String, NDList> out = new LinkedHashMap<>();
        for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
            out.put(e.getKey(), e.getValue().forward(ps, new NDList(x), false));
        }
        return out;
    }

    /** Freezes the teacher: no gradient, no optimiser step, inference-mode batch norm from now on. */
    public void freezeTeacher() {
        nets.get(SharingGraph.TEACHER).freezeParameters(true);
        teacherFrozen = true;
    }

    /** @return the manager that owns the networks; sub-managers of it hold per-step arrays */
    NDManager manager() {
        return manager;
    }

    /** Copies the current parameters (and batch-norm statistics) of {@code node} aside. */
    public void snapshot(String node) {
        NDManager old = snapshots.remove(node);
        if (old != null) {
            old.close();
        }
        NDManager keep = manager.newSubManager();
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            NDArray copy = p.getValue().getArray().duplicate();
            copy.attach(keep);
            copy.setName(p.getValue().getId());
        }
        snapshots.put(node, keep);
    }

    /** Restores the parameters last copied by {@link #snapshot}, bit for bit, in place. */
    public void restore(String node) {
        NDManager keep = snapshots.get(node);
        if (keep == null) {
            throw new IllegalStateException("no snapshot of " + node);
        }
        Map<String, NDArray> byId = new HashMap<>();
        for (NDArray a : keep.getManagedArrays()) {
            byId.put(a.getName(), a);
        }
        for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
            NDArray w = p.getValue().getArray();
            copyInto(w, byId.get(p.getValue().getId()));
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
     * bit for bit where this left off.
     */
    public void saveState(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String node : nets.keySet()) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(node + ".params"))) {
                save(node, out);
            }
            NDManager keep = snapshots.get(node);
            if (keep != null) {
                NDList list = new NDList();
                for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
                    list.add(byName(keep).get(p.getValue().getId()));
                }
                Files.write(dir.resolve(node + ".best.params"), list.encode());
            }
            Optimizer opt = optimizers.get(node);
            if (opt != null) {
                AdamState.write(opt, nets.get(node), dir.resolve(node + ".adam"));
            }
        }
    }

    /**
     * Reads a state written by {@link #saveState}; the networks must have the same architecture.
     * Call it before the first step.
     */
    public void loadState(Path dir) throws IOException {
        for (String node : nets.keySet()) {
            try (InputStream in = Files.newInputStream(dir.resolve(node + ".params"))) {
                nets.get(node).loadParameters(manager, new DataInputStream(in));
            } catch (ai.djl.MalformedModelException e) {
                throw new IOException(dir.resolve(node + ".params") + ": " + e.getMessage(), e);
            }
            // Loading replaces the arrays: give the trainable ones their gradients back. (Called before
            // the first step, so nothing holds the old arrays.)
            for (Pair<String, Parameter> p : nets.get(node).getParameters()) {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            }
            Path best = dir.resolve(node + ".best.params");
            if (Files.isRegularFile(best)) {
                NDManager keep = manager.newSubManager();
                NDList list = NDList.decode(keep, Files.readAllBytes(best));
                ai.djl.nn.ParameterList params = nets.get(node).getParameters();
                if (list.size() != params.size()) {
                    keep.close();
                    throw new IOException(best + ": " + list.size() + " arrays for " + params.size() + " parameters");
                }
                for (int i = 0; i < list.size(); i++) {
                    list.get(i).setName(params.get(i).getValue().getId());
                }
                NDManager old = snapshots.put(node, keep);
                if (old != null) {
                    old.close();
                }
            }
            Path adam = dir.resolve(node + ".adam");
            if (optimizers.containsKey(node) && Files.isRegularFile(adam)) {
                AdamState.read(optimizers.get(node), nets.get(node), adam, manager);
            }
        }
    }

    private static Map<String, NDArray> byName(NDManager keep) {
        Map<String, NDArray> byId = new HashMap<>();
        for (NDArray a : keep.getManagedArrays()) {
            byId.put(a.getName(), a);
        }
        return byId;
    }

    /**
     * DJL's {@link Adam} keeps its moments and step counts private; a checkpoint needs them, so this
     * reads and writes them by reflection (DJL 0.29 field names, checked by a test).
     */
    static final class AdamState {
        private AdamState() {
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Map<Device, NDArray>> moments(Optimizer opt, String field) {
            return (Map<String, Map<Device, NDArray>>) field(Adam.class, opt, field);
        }

        private static Object field(Class<?> type, Object target, String name) {
            try {
                java.lang.reflect.Field f = type.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + name
                        + " (DJL version changed?)", e);
            }
        }

        private static void set(Class<?> type, Object target, String name, Object value) {
            try {
                java.lang.reflect.Field f = type.getDeclaredField(name);
                f.setAccessible(true);
                f.set(target, value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot write " + type.getSimpleName() + "." + name, e);
            }
        }

        @SuppressWarnings("unchecked")
        static void write(Optimizer opt, DistillNet net, Path file) throws IOException {
            Map<String, Map<Device, NDArray>> means = moments(opt, "means");
            Map<String, Map<Device, NDArray>> variances = moments(opt, "variances");
            Map<String, Integer> counts = (Map<String, Integer>) field(Optimizer.class, opt, "updateCounts");
            NDList list = new NDList();
            List<Integer> countList = new ArrayList<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                String id = p.getValue().getId();
                Map<Device, NDArray> m = means == null ? null : means.get(id);
                Map<Device, NDArray> v = variances == null ? null : variances.get(id);
                if (m == null || v == null || m.isEmpty() || v.isEmpty()) {
                    countList.add(-1);
                    continue;
                }
                list.add(m.values().iterator().next());
                list.add(v.values().iterator().next());
                countList.add(counts == null ? 0 : counts.getOrDefault(id, 0));
            }
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
                out.writeInt((Integer) field(Optimizer.class, opt, "numUpdate"));
                out.writeInt(countList.size());
                for (int c : countList) {
                    out.writeInt(c);
                }
                byte[] arrays = list.encode();
                out.writeInt(arrays.length);
                out.write(arrays);
            }
        }

        @SuppressWarnings("unchecked")
        static void read(Optimizer opt, DistillNet net, Path file, NDManager manager) throws IOException {
            Map<String, Map<Device, NDArray>> means = new java.util.concurrent.ConcurrentHashMap<>();
            Map<String, Map<Device, NDArray>> variances = new java.util.concurrent.ConcurrentHashMap<>();
            Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                int numUpdate = in.readInt();
                int n = in.readInt();
                ai.djl.nn.ParameterList params = net.getParameters();
                if (n != params.size()) {
                    throw new IOException(file + ": optimiser state for " + n + " parameters, the network has "
                            + params.size());
                }
                int[] c = new int[n];
                for (int i = 0; i < n; i++) {
                    c[i] = in.readInt();
                }
                byte[] arrays = new byte[in.readInt()];
                in.readFully(arrays);
                boolean any = java.util.Arrays.stream(c).anyMatch(x -> x >= 0);
                NDList list = any ? NDList.decode(manager, arrays) : new NDList();
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (c[i] < 0) {
                        continue;
                    }
                    Parameter param = params.get(i).getValue();
                    Device device = param.getArray().getDevice();
                    means.put(param.getId(), new java.util.concurrent.ConcurrentHashMap<>(Map.of(device, list.get(k++))));
                    variances.put(param.getId(), new java.util.concurrent.ConcurrentHashMap<>(Map.of(device, list.get(k++))));
                    counts.put(param.getId(), c[i]);
                }
                set(Adam.class, opt, "means", means);
                set(Adam.class, opt, "variances", variances);
                set(Optimizer.class, opt, "updateCounts", counts);
                set(Optimizer.class, opt, "numUpdate", numUpdate);
            }
        }
    }

    @Override
    public void close() {
        for (NDManager m : snapshots.values()) {
            m.close();
        }
        manager.close();
    }
}
