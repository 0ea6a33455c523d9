package org.kdml.core.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a session's steps spend their time, by phase in step order ({@code statistics},
 * {@code forward}, {@code loss}, {@code backward}, {@code check}, {@code optimizer},
 * {@code adversary}), and how many libtorch tensors their forward passes and losses made (each the
 * output of one native operation): what {@code kdml bench} reports per step.
 */
public final class PhaseClock {

    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private long tensors;

    /** Adds the time since {@code since} to {@code name}; @return now */
    long phase(String name, long since) {
        long now = System.nanoTime();
        nanos.merge(name, now - since, Long::sum);
        return now;
    }

    /** Counts {@code n} more tensors made. */
    void tensors(long n) {
        tensors += n;
    }

    /** @return seconds in each phase so far, in step order */
    public Map<String, Double> seconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        nanos.forEach((k, v) -> out.put(k, v / 1e9));
        return out;
    }

    /** @return tensors made since {@link #reset} */
    public long tensors() {
        return tensors;
    }

    /** Forgets what was measured (after warm-up, say). */
    public void reset() {
        nanos.clear();
        tensors = 0;
    }
}
