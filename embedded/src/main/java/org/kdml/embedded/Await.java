package org.kdml.embedded;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way tests (and the embedded stack) wait: for a condition, with a timeout that counts
 * from the last sign of progress rather than from the start, so that a slow machine that keeps
 * making progress does not fail, and a stuck one fails with a message that says what was awaited
 * and what was last seen. Never a fixed sleep.
 */
public final class Await {

    /** The first pause between evaluations; it doubles up to {@link #MAX_POLL_MILLIS}. */
    private static final long FIRST_POLL_MILLIS = 10;
    /** The longest pause between evaluations, so that an expensive condition (a topic read) stays cheap. */
    private static final long MAX_POLL_MILLIS = 500;

    private Await() {
    }

    /**
     * Waits until {@code condition} holds, at most {@code timeout} in all.
     *
     * @param message what was awaited, for the failure
     * @throws IllegalStateException naming {@code message} when the time is up
     */
    public static void until(BooleanSupplier condition, Duration timeout, String message) {
        until(condition, () -> 0, timeout, () -> message);
    }

    /**
     * Waits until {@code condition} holds, failing only when {@code progress} (a count, a
     * watermark, a state) has not changed for {@code idle}.
     *
     * @param progress what moves while the awaited thing is on its way; compared with
     *     {@link Objects#equals}
     * @param idle how long no progress is tolerated
     * @param message what was awaited and what is seen now, for the failure
     * @throws IllegalStateException with the message and the last progress seen when progress stalls
     */
    public static void until(BooleanSupplier condition, Supplier<?> progress, Duration idle,
            Supplier<String> message) {
        Object last = progress.get();
        long lastChange = System.nanoTime();
        long pause = FIRST_POLL_MILLIS;
        while (!condition.getAsBoolean()) {
            Object now = progress.get();
            if (!Objects.equals(now, last)) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > idle.toNanos()) {
                dumpServiceThreads();
                throw new IllegalStateException("timed out after " + idle + " without progress (last: " + now + ") waiting"
                        + " for " + message.get());
            }
            pause(pause);
            pause = Math.min(MAX_POLL_MILLIS, pause * 2);
        }
    }

    /**
     * Waits until {@code probe} returns a non-null value, at most {@code timeout}.
     *
     * @return the value
     * @throws IllegalStateException naming {@code message} when the time is up
     */
    public static <T> T value(Supplier<T> probe, Duration timeout, String message) {
        Object[] box = new Object[1];
        until(() -> (box[0] = probe.get()) != null, timeout, message);
        @SuppressWarnings("unchecked")
        T t = (T) box[0];
        return t;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }

    /**
     * Prints the stacks of the pipeline's threads (names holding "kdml") to stderr: a wait that
     * stalls says where each service stood.
     */
    static void dumpServiceThreads() {
        StringBuilder sb = new StringBuilder("stalled; the pipeline's threads:\n");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().contains("kdml")) {
                sb.append("  thread ").append(t.getName()).append(" (").append(t.getState()).append(")\n");
                for (StackTraceElement e : stack) {
                    sb.append("    at ").append(e).append('\n');
                }
            }
        });
        System.err.print(sb);
    }
}
