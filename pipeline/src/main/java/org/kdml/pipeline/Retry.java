package org.kdml.pipeline;

import java.time.Duration;

/** Runs an action again with exponential backoff while it fails, up to a deadline. */
public final class Retry {

    /** An action that may fail. */
    @FunctionalInterface
    public interface Action<T> {
        /** @return the result */
        T run() throws Exception;
    }

    private Retry() {
    }

    /**
     * Runs {@code action} until it succeeds or {@code deadline} passes; waits 200 ms, 400 ms, …
     * (at most 5 s) between tries. Interrupts are not retried.
     *
     * @param what names the action in the error
     * @return the action's result
     * @throws Exception the last failure, once the deadline has passed
     */
    public static <T> T withBackoff(String what, Duration deadline, Action<T> action) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        long wait = 200;
        while (true) {
            try {
                return action.run();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (System.nanoTime() + wait * 1_000_000L > end || !retryable(e)) {
                    throw e;
                }
                Thread.sleep(wait);
                wait = Math.min(5_000, wait * 2);
            }
        }
    }

    /** Failures of a corrupt object or of bad input are not retried; transport failures are. */
    private static boolean retryable(Exception e) {
        return !(e instanceof CorruptCheckpointException) && !(e instanceof IllegalArgumentException);
    }
}
