package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kdml.core.data.DatasetException;

class PrefetcherTest {

    @Test
    void batchesComeInOrderWithABoundedNumberInFlight() {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger consumed = new AtomicInteger();
        AtomicInteger maxAhead = new AtomicInteger();
        try (Prefetcher p = new Prefetcher(pool, 20, 4, i -> {
            int ahead = started.incrementAndGet() - consumed.get();
            maxAhead.accumulateAndGet(ahead, Math::max);
            return new float[][] {{i}};
        })) {
            for (int i = 0; i < 20; i++) {
                assertEquals(i, p.next()[0][0]);
                consumed.incrementAndGet();
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, p::next);
            assertEquals("all 20 batches were handed out", e.getMessage());
        } finally {
            pool.shutdownNow();
        }
        assertTrue(maxAhead.get() <= 5, "at most depth (+ the one being handed out) in flight, saw " + maxAhead.get());
    }

    @Test
    void aLoaderErrorReachesTheTrainerWithItsMessage() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Prefetcher p = new Prefetcher(pool, 3, 2, i -> {
            if (i == 1) {
                throw new DatasetException("train/x.tif", "unreadable or corrupt image");
            }
            return new float[][] {{i}};
        })) {
            p.next();
            DatasetException e = assertThrows(DatasetException.class, p::next);
            assertEquals("train/x.tif: unreadable or corrupt image", e.getMessage());
        } finally {
            pool.shutdownNow();
        }
    }
}
