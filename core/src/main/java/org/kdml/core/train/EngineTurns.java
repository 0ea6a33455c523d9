package org.kdml.core.train;

import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Turns at libtorch for the threads of one process: a training step, a batch of evaluation or a
 * batch of CKA each runs in a turn, and waiting threads go first come, first served (a fair
 * semaphore). In
 * one JVM that trains, evaluates and analyses at once (the embedded stack of {@code kdml run}),
 * each of these threads would otherwise run its own OpenMP team of intra-op threads on the same
 * cores: more busy threads than cores, and OpenMP's waiting threads spin while the thread they wait
 * for is descheduled. Taking turns keeps one team on the cores at a time; the work is the same.
 * Numbers do not change: each turn computes what it computed alone.
 *
 * <p>As many turns run at once as teams fit on the cores ({@link #teams}): one when libtorch runs
 * every core on each thread (as {@code kdml train} does), two when each thread has half of them (the
 * two in-process workers of {@code kdml run} on a 2-core machine, one thread each: their steps run
 * at the same time, each on its own core, and no team spins waiting for a descheduled thread).
 *
 * <p>Training steps collect gradients with {@link org.kdml.core.tensor.ThreadGradients}, one per
 * thread (DJL's PyTorch collector allows one per process). With
 * {@code -Dkdml.engineTurns=false} evaluation and CKA run beside training (steps still take turns),
 * to measure the difference.
 *
 * <p>Turns keep teams from computing at once, not from existing, and existing is what costs: libtorch's
 * OpenMP runtime (libgomp) lets a team's threads spin between parallel regions only while the
 * process holds no more OpenMP threads than cores; past that it puts them to sleep after every
 * region and wakes them for the next, hundreds of times a training step. A team lives as long as
 * the thread that started it. Work that only serves inference beside training in the same process
 * (the evaluator's, the CKA analyzer's in {@code kdml run}) therefore runs {@link #apart} — on a
 * thread of its own that ends with the work, taking its team with it — and calls
 * {@link #besideTraining()} there before it touches libtorch, so that libtorch's own operators run
 * on that thread alone.
 *
 * <p>A thread that trains a run {@link #hosting hosts} the others' inference batches: a batch that
 * another thread asks for while a run trains is handed to the training thread, which runs it
 * between two of its steps with its own OpenMP team (every core) instead of one core while the
 * other waits. A batch that the host has not started within {@link #GUEST_PATIENCE_MS} (the host is
 * validating, writing a checkpoint or waiting for a teacher) runs on its own thread in its turn, as
 * before. Which thread runs a batch depends on timing; its numbers do not: an inference batch
 * computes the same on one core and on several (each output element is reduced on one thread),
 * which is also why a separate evaluator with every core and {@code kdml run}'s with one agree.
 */
public final class EngineTurns {

    /** Turns that may run at once: {@link #teams} of the process's libtorch threads per thread. */
    private static final int TEAMS = teams(Runtime.getRuntime().availableProcessors(),
            Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
    private static final Semaphore TURNS = new Semaphore(TEAMS, true);
    private static final boolean INFERENCE = !"false".equals(System.getProperty("kdml.engineTurns"));
    /** Whether a training step has run in this process. */
    private static final AtomicBoolean TRAINS = new AtomicBoolean();
    /** Whether the current thread has run a training step, or been settled by {@link #besideTraining()}. */
    private static final ThreadLocal<Boolean> STEPS = ThreadLocal.withInitial(() -> false);
    private static final ThreadLocal<Boolean> SETTLED = ThreadLocal.withInitial(() -> false);
    /** How long a guest batch waits for the host to start it before it runs in its own turn. */
    static final long GUEST_PATIENCE_MS = 2_000;
    /** The thread that trains a run now ({@link #hosting}), or null. */
    private static volatile Thread host;
    /** Inference batches of other threads, for the host to run between its steps. */
    private static final ConcurrentLinkedQueue<FutureTask<?>> GUESTS = new ConcurrentLinkedQueue<>();

    /** Work that may throw an {@link IOException}. */
    @FunctionalInterface
    public interface IoWork<T> {
        /** @return the work's result */
        T run() throws IOException;
    }

    private EngineTurns() {
    }

    /**
     * How many libtorch teams of {@code threads} threads fit on {@code cores} cores at once, at least
     * one: 2 cores with 1 thread each give 2, with 2 threads 1; 16 cores with 8 threads give 2, with 5
     * threads 3.
     */
    static int teams(int cores, int threads) {
        if (cores < 1 || threads < 1) {
            throw new IllegalArgumentException("cores and threads must be >= 1, got " + cores + " and " + threads);
        }
        return Math.max(1, cores / threads);
    }

    /**
     * For tests in a process whose thread count gives one turn: lets {@code extra} more turns run at
     * once until the returned handle is closed (which waits for them to be free again).
     */
    static AutoCloseable moreTurns(int extra) {
        TURNS.release(extra);
        return () -> TURNS.acquireUninterruptibly(extra);
    }

    /** Runs a training step in a turn (two workers' steps at once when {@link #teams} allows). */
    static <T> T step(Supplier<T> work) {
        if (!STEPS.get()) {
            STEPS.set(true);
            TRAINS.set(true);
        }
        if (Thread.currentThread() == host) {
            runGuests();
        }
        TURNS.acquireUninterruptibly();
        try {
            return work.get();
        } finally {
            TURNS.release();
        }
    }

    /** Runs a batch of inference (evaluation, CKA) in its turn. */
    public static <T> T inference(Supplier<T> work) {
        if (!INFERENCE) {
            return work.get();
        }
        Thread h = host;
        if (h != null && h != Thread.currentThread() && !STEPS.get()) {
            FutureTask<T> task = new FutureTask<>(work::get);
            GUESTS.add(task);
            return awaitGuest(task);
        }
        TURNS.acquireUninterruptibly();
        try {
            return work.get();
        } finally {
            TURNS.release();
        }
    }

    /**
     * Runs {@code run} (a run's training) with the calling thread as the host of other threads'
     * inference batches until it returns; the batches still waiting then run here. Nested or
     * concurrent calls (a second trainer in the process) run their work without hosting.
     */
    public static <T> T hosting(IoWork<T> run) throws IOException {
        boolean hosts;
        synchronized (GUESTS) {
            hosts = host == null;
            if (hosts) {
                host = Thread.currentThread();
            }
        }
        try {
            return run.run();
        } finally {
            if (hosts) {
                synchronized (GUESTS) {
                    host = null;
                }
                runGuests();
            }
        }
    }

    /** Runs every waiting guest batch on this thread, each in its turn. */
    private static void runGuests() {
        FutureTask<?> task;
        while ((task = GUESTS.poll()) != null) {
            runInTurn(task);
        }
    }

    /** Runs a guest batch on this thread in its turn (its result or failure goes to the task). */
    private static void runInTurn(FutureTask<?> task) {
        TURNS.acquireUninterruptibly();
        try {
            task.run();
        } finally {
            TURNS.release();
        }
    }

    /**
     * Waits for {@code task} to be run by the host; one the host has not taken within
     * {@link #GUEST_PATIENCE_MS}, or once no thread hosts, runs here in its turn.
     */
    private static <T> T awaitGuest(FutureTask<T> task) {
        long patience = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GUEST_PATIENCE_MS);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get(20, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if ((host == null || System.nanoTime() > patience) && GUESTS.remove(task)) {
                        runInTurn(task);
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Called by a thread that only serves inference (evaluation, CKA) before it touches libtorch:
     * when this process also trains, on another thread, libtorch's operators run on this thread
     * alone from now on (libtorch's thread count for this thread is 1; the process's default and
     * the training thread's are left as they were). Does nothing in a process that does not train
     * (a separate evaluator keeps every core), on a thread that trains, or with
     * {@code -Dkdml.engineTurns=false}. Holds every turn while it changes anything, so no training
     * step sees the process's default change and change back.
     *
     * @return whether this call made the thread single-threaded
     */
    public static boolean besideTraining() {
        if (!INFERENCE || !TRAINS.get() || STEPS.get() || SETTLED.get()) {
            return false;
        }
        SETTLED.set(true);
        if (JniUtils.getNumThreads() <= 1) {
            return false;
        }
        // Every turn: no step may see the default change and change back.
        TURNS.acquireUninterruptibly(TEAMS);
        try {
            int threads = JniUtils.getNumThreads();
            // libtorch's setter sets the calling thread's count and the default new threads take;
            // a helper thread that computes nothing puts the default back.
            JniUtils.setNumThreads(1);
            Thread restore = new Thread(() -> JniUtils.setNumThreads(threads), "kdml-threads-default");
            restore.start();
            restore.join();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } finally {
            TURNS.release(TEAMS);
        }
    }

    /**
     * Runs {@code work} on a new thread that ends when the work does, so that any OpenMP team the work
     * starts ends with it (see the class comment), and returns its result or throws what it threw.
     * Interrupting the caller interrupts the work, which is then waited for.
     */
    public static <T> T apart(String name, Callable<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e instanceof Exception ex) {
            throw ex;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
        return result.get();
    }

    /**
     * Inference work beside a trainer: {@link #apart} on a thread named {@code name}, which calls
     * {@link #besideTraining()} before {@code work}. The evaluator's and the CKA analyzer's runs.
     */
    public static <T> T inferenceApart(String name, Callable<T> work) throws Exception {
        return apart(name, () -> {
            besideTraining();
            return work.call();
        });
    }
}
