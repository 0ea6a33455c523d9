package org.kdml.core.train;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Turns at libtorch for the threads of one process: a training step, a batch of evaluation or a
 * batch of CKA each runs alone, and waiting threads go first come, first served (a fair lock). In
 * one JVM that trains, evaluates and analyses at once (the embedded stack of {@code kdml run}),
 * each of these threads would otherwise run its own OpenMP team of intra-op threads on the same
 * cores: more busy threads than cores, and OpenMP's waiting threads spin while the thread they wait
 * for is descheduled. Taking turns keeps one team on the cores at a time; the work is the same.
 * Numbers do not change: each turn computes what it computed alone.
 *
 * <p>DJL's PyTorch engine also allows one gradient collector per process at a time, which turns
 * satisfy for training steps on several threads (several in-process workers). With
 * {@code -Dkdml.engineTurns=false} evaluation and CKA run beside training (steps still take turns),
 * to measure the difference.
 */
public final class EngineTurns {

    private static final ReentrantLock LOCK = new ReentrantLock(true);
    private static final boolean INFERENCE = !"false".equals(System.getProperty("kdml.engineTurns"));

    private EngineTurns() {
    }

    /** Runs a training step in its turn (always alone: one gradient collector per process). */
    static <T> T step(Supplier<T> work) {
        LOCK.lock();
        try {
            return work.get();
        } finally {
            LOCK.unlock();
        }
    }

    /** Runs a batch of inference (evaluation, CKA) in its turn. */
    public static <T> T inference(Supplier<T> work) {
        if (!INFERENCE) {
            return work.get();
        }
        LOCK.lock();
        try {
            return work.get();
        } finally {
            LOCK.unlock();
        }
    }
}
