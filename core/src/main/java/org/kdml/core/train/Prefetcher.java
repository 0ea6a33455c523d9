package org.kdml.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Prepares the batches of one epoch ahead of the trainer on a thread pool, at most {@code depth}
 * in flight, and hands them out in order. Memory stays bounded by {@code depth} batches.
 */
final class Prefetcher implements AutoCloseable {

    /** How long the trainer waits for one batch before giving up with a message. */
    static final long TIMEOUT_SECONDS = 600;

    private final ExecutorService pool;
    private final IntFunction<float[][]> prepare;
    private final int count;
    private final int depth;
    private final List<Future<float[][]>> futures = new ArrayList<>();
    private int next;
    private long waitNanos;

    Prefetcher(ExecutorService pool, int count, int depth, IntFunction<float[][]> prepare) {
        this.pool = pool;
        this.prepare = prepare;
        this.count = count;
        this.depth = Math.max(1, depth);
        for (int i = 0; i < Math.min(count, this.depth); i++) {
            submit(i);
        }
    }

    private void submit(int i) {
        futures.add(pool.submit(() -> prepare.apply(i)));
    }

    /** @return batch number {@code next}, waiting for it if needed */
    float[][] next() {
        if (next >= count) {
            throw new IllegalStateException("all " + count + " batches were handed out");
        }
        long t0 = System.nanoTime();
        try {
            float[][] out = futures.get(next).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            futures.set(next, null);
            next++;
            if (futures.size() < count) {
                submit(futures.size());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for batch " + next, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("batch " + next + " was not ready after " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("preparing batch " + next + " failed", e.getCause());
        } finally {
            waitNanos += System.nanoTime() - t0;
        }
    }

    /** @return time the trainer spent waiting for batches, in seconds */
    double waitSeconds() {
        return waitNanos / 1e9;
    }

    @Override
    public void close() {
        for (Future<float[][]> f : futures) {
            if (f != null) {
                f.cancel(true);
            }
        }
    }
}
