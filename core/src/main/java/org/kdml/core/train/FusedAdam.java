package org.kdml.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kdml.core.tensor.Tensors;

/**
 * Adam as {@code torch.optim.Adam} computes it (β₁ 0.9, β₂ 0.999, ε 1e-8, no weight decay):
 * <pre>
 * m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²;   w ← w − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 * </pre>
 * then the gradient is set to zero for the next step.
 *
 * <p>On the CPU the update is fused: one pass reads each element of gradient, moments and weight
 * once and writes them once, in place, straight in libtorch's memory, with no temporary tensors,
 * split over the configured threads. Element-wise, so the result does not depend on the thread
 * count. (DJL's own Adam makes five full-size temporaries per parameter and reads or writes every
 * element about 27 times; on this project's 2-core machine it was the largest gap to PyTorch.)
 * On other devices the same formula runs as libtorch operations.
 *
 * <p>One optimiser belongs to one network; {@link #write}/{@link #read} keep its state in
 * checkpoints. It owns native memory (the moments) and must be closed.
 */
public final class FusedAdam implements AutoCloseable {

    /** β₁ of torch.optim.Adam. */
    public static final float BETA1 = 0.9f;
    /** β₂ of torch.optim.Adam. */
    public static final float BETA2 = 0.999f;
    /** ε of torch.optim.Adam. */
    public static final float EPSILON = 1e-8f;

    private static final String MAGIC = "kdml-adam-1";
    /** Elements below which a parameter is not worth another thread. */
    private static final int MIN_SPAN = 1 << 15;
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kdml-adam");
        t.setDaemon(true);
        return t;
    });

    private final NDManager manager;
    private float learningRate;
    private final int threads;
    private final boolean fuse;
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
    private int steps;

    /**
     * @param parent the manager the moments are allocated under (a sub-manager, closed with this)
     * @param learningRate lr, finite and > 0
     */
    public FusedAdam(NDManager parent, double learningRate) {
        this(parent, learningRate, Integer.getInteger("ai.djl.pytorch.num_threads",
                Runtime.getRuntime().availableProcessors()), true);
    }

    /**
     * @param threads threads of the fused CPU pass
     * @param fuse false to take the libtorch path everywhere (for tests comparing the two)
     */
    FusedAdam(NDManager parent, double learningRate, int threads, boolean fuse) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
        }
        this.manager = parent.newSubManager();
        this.learningRate = (float) learningRate;
        this.threads = Math.max(1, threads);
        this.fuse = fuse;
    }

    /**
     * Sets the rate of the updates from now on (a schedule's epoch rate); the moments and the step
     * count carry on, as with a PyTorch scheduler.
     */
    public void learningRate(double rate) {
        if (!(rate > 0) || !Double.isFinite(rate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + rate);
        }
        learningRate = (float) rate;
    }

    /** @return the updates applied so far (t of the bias corrections) */
    public int steps() {
        return steps;
    }

    /** One update of the given weights (by id), each of which has a gradient. */
    void update(Map<String, NDArray> weights) {
        steps++;
        double bc1 = 1 - Math.pow(BETA1, steps);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, steps));
        List<Slot> cpu = new ArrayList<>();
        List<NDArray> grads = new ArrayList<>();
        try {
            for (Map.Entry<String, NDArray> e : weights.entrySet()) {
                NDArray w = e.getValue();
                NDArray g = w.getGradient();
                grads.add(g);
                NDArray[] mv = moments.computeIfAbsent(e.getKey(), id -> new NDArray[] {zeros(w), zeros(w)});
                if (fuse && fusable(w, g, mv)) {
                    cpu.add(new Slot(floats(w), floats(g), floats(mv[0]), floats(mv[1])));
                } else {
                    // Same formula through libtorch: DJL's kernel divides by (√v + ε'); ε' = ε·√(1−β₂ᵗ) makes it torch's.
                    JniUtils.adamUpdate((PtNDArray) w, (PtNDArray) g, (PtNDArray) mv[0], (PtNDArray) mv[1],
                            learningRate, (float) (learningRate * bc2Sqrt / bc1), 0f, 1f, -1f, BETA1, BETA2,
                            (float) (EPSILON * bc2Sqrt), false);
                    JniUtils.zeroGrad((PtNDArray) w);
                }
            }
            fused(cpu, (float) (learningRate / bc1), (float) bc2Sqrt);
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    /**
     * Applies one update to every parameter of {@code net} that requires a gradient, and zeroes its
     * gradient. Parameters are matched to their moments by id.
     */
    public void update(Block net) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                weights.put(p.getValue().getId(), p.getValue().getArray());
            }
        }
        update(weights);
    }

    private NDArray zeros(NDArray like) {
        return manager.zeros(like.getShape(), like.getDataType(), like.getDevice());
    }

    /** The moments are this class's own dense arrays; only their device needs a look. */
    private static boolean fusable(NDArray w, NDArray g, NDArray[] mv) {
        for (NDArray a : new NDArray[] {w, g}) {
            if (!a.getDevice().equals(Device.cpu()) || a.getDataType() != DataType.FLOAT32
                    || !contiguous((PtNDArray) a)) {
                return false;
            }
        }
        return mv[0].getDevice().equals(Device.cpu()) && mv[1].getDevice().equals(Device.cpu());
    }

    private static final MethodHandle IS_CONTIGUOUS;
    private static final Object LIB;

    static {
        // DJL's toByteBuffer(true) silently copies a non-contiguous tensor, and writes into the copy
        // would be lost: ask libtorch directly (the binding is package-private in DJL 0.29).
        MethodHandle handle = null;
        Object lib = null;
        try {
            Class<?> type = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field field = type.getDeclaredField("LIB");
            field.setAccessible(true);
            Method m = type.getDeclaredMethod("torchIsContiguous", long.class);
            m.setAccessible(true);
            lib = field.get(null);
            handle = MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // DJL's binding changed: every update takes the libtorch path, correct but slower.
            handle = null;
        }
        IS_CONTIGUOUS = handle;
        LIB = lib;
    }

    /** @return whether updates on the CPU take the fused path (false only if DJL's binding changed) */
    static boolean fusedAvailable() {
        return IS_CONTIGUOUS != null;
    }

    private static boolean contiguous(PtNDArray a) {
        if (IS_CONTIGUOUS == null) {
            return false;
        }
        try {
            return (boolean) IS_CONTIGUOUS.invoke(LIB, (long) a.getHandle());
        } catch (Throwable e) {
            throw new IllegalStateException("cannot ask libtorch whether a tensor is contiguous", e);
        }
    }

    private static FloatBuffer floats(NDArray a) {
        return a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The four buffers of one parameter, straight over libtorch's memory. */
    private record Slot(FloatBuffer w, FloatBuffer g, FloatBuffer m, FloatBuffer v) {
        int size() {
            return w.capacity();
        }
    }

    /** Splits the concatenated elements of all slots into equal contiguous spans, one per thread. */
    private void fused(List<Slot> slots, float stepSize, float bc2Sqrt) {
        long total = 0;
        for (Slot s : slots) {
            total += s.size();
        }
        int parts = (int) Math.max(1, Math.min(threads, total / MIN_SPAN));
        if (parts == 1) {
            span(slots, 0, total, stepSize, bc2Sqrt);
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        long each = (total + parts - 1) / parts;
        for (int i = 1; i < parts; i++) {
            long from = i * each;
            long to = Math.min(total, from + each);
            futures.add(POOL.submit(() -> span(slots, from, to, stepSize, bc2Sqrt)));
        }
        span(slots, 0, Math.min(total, each), stepSize, bc2Sqrt);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during an optimiser step", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("optimiser step failed", e.getCause());
            }
        }
    }

    /** Updates the elements [from, to) of the concatenation of {@code slots}. */
    private static void span(List<Slot> slots, long from, long to, float stepSize, float bc2Sqrt) {
        long offset = 0;
        for (Slot s : slots) {
            long end = offset + s.size();
            if (end > from && offset < to) {
                int lo = (int) (Math.max(from, offset) - offset);
                int hi = (int) (Math.min(to, end) - offset);
                kernel(s.w, s.g, s.m, s.v, lo, hi, stepSize, bc2Sqrt);
            }
            offset = end;
            if (offset >= to) {
                return;
            }
        }
    }

    /**
     * The update of elements [lo, hi), with torch.optim.Adam's order of operations: m·β₁ + (1−β₁)·g,
     * v·β₂ + (1−β₂)·g·g, w + (−step)·(m / (√v / √(1−β₂ᵗ) + ε)); then g ← 0.
     */
    static void kernel(FloatBuffer w, FloatBuffer g, FloatBuffer m, FloatBuffer v, int lo, int hi,
            float stepSize, float bc2Sqrt) {
        final float b1 = BETA1;
        final float b2 = BETA2;
        final float c1 = 1 - BETA1;
        final float c2 = 1 - BETA2;
        final float eps = EPSILON;
        final float negStep = -stepSize;
        final float invBc2Sqrt = 1 / bc2Sqrt;
        for (int i = lo; i < hi; i++) {
            float gi = g.get(i);
            float mi = m.get(i) * b1 + c1 * gi;
            float vi = v.get(i) * b2 + c2 * gi * gi;
            float denom = (float) Math.sqrt(vi) * invBc2Sqrt + eps;
            m.put(i, mi);
            v.put(i, vi);
            w.put(i, w.get(i) + negStep * (mi / denom));
            g.put(i, 0f);
        }
    }

    /**
     * Writes the step count and the moments of {@code net}'s parameters (in its parameter order) to
     * {@code file}.
     */
    public void write(Block net, Path file) throws IOException {
        NDList list = new NDList();
        List<Integer> has = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray[] mv = moments.get(p.getValue().getId());
            has.add(mv == null ? 0 : 1);
            if (mv != null) {
                list.add(mv[0]);
                list.add(mv[1]);
            }
        }
        // The moments are streamed to the file array by array (never one byte[] of them all in the
        // heap); their length, which the header gives before them, is filled in afterwards.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel),
                    1 << 20));
            out.writeUTF(MAGIC);
            out.writeInt(steps);
            out.writeInt(has.size());
            for (int h : has) {
                out.writeByte(h);
            }
            out.writeInt(0);
            out.flush();
            long start = channel.position();
            list.encode(out);
            out.flush();
            long length = channel.position() - start;
            if (length > Integer.MAX_VALUE) {
                throw new IOException(file + ": optimiser state of " + length + " bytes exceeds the format's 2 GiB");
            }
            channel.write(ByteBuffer.allocate(Integer.BYTES).putInt(0, (int) length), start - Integer.BYTES);
        }
    }

    /** Replaces this optimiser's state with one written by {@link #write} for the same architecture. */
    public void read(Block net, Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = "";
            }
            if (!MAGIC.equals(magic)) {
                throw new IOException(file + ": not a kdml optimiser state (expected '" + MAGIC
                        + "'; written by an older kdml?)");
            }
            int t = in.readInt();
            int n = in.readInt();
            ParameterList params = net.getParameters();
            if (n != params.size() || t < 0) {
                throw new IOException(file + ": optimiser state for " + n + " parameters, the network has "
                        + params.size());
            }
            byte[] has = new byte[n];
            in.readFully(has);
            byte[] arrays = new byte[in.readInt()];
            in.readFully(arrays);
            boolean any = false;
            for (byte h : has) {
                any |= h != 0;
            }
            // A network never updated yet (a student during the teacher phase) has no moments.
            NDList list = any ? Tensors.decode(manager, arrays) : new NDList();
            int k = 0;
            Map<String, NDArray[]> loaded = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                if (has[i] == 0) {
                    continue;
                }
                if (k + 1 >= list.size()) {
                    throw new IOException(file + ": fewer moment arrays than parameters marked");
                }
                Parameter param = params.get(i).getValue();
                NDArray m = list.get(k++);
                NDArray v = list.get(k++);
                if (!m.getShape().equals(param.getArray().getShape())) {
                    throw new IOException(file + ": moment of " + param.getId() + " has shape " + m.getShape()
                            + ", the parameter " + param.getArray().getShape());
                }
                loaded.put(param.getId(), new NDArray[] {m, v});
            }
            moments.values().forEach(mv -> {
                mv[0].close();
                mv[1].close();
            });
            moments.clear();
            moments.putAll(loaded);
            steps = t;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
