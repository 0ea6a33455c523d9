package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How the embedded stack shares the cores among its in-process workers. */
class StackOptionsTest {

    @Test
    void twoWorkersFromTwoCoresOneBelow() {
        assertEquals(1, StackOptions.defaultWorkers(1));
        assertEquals(2, StackOptions.defaultWorkers(2));
        assertEquals(2, StackOptions.defaultWorkers(16));
    }

    @Test
    void eachWorkerGetsItsShareOfTheCoresAndAtLeastOneThread() {
        assertEquals(1, StackOptions.threadsPerWorker(2, 2));
        assertEquals(8, StackOptions.threadsPerWorker(16, 2));
        assertEquals(1, StackOptions.threadsPerWorker(3, 2));
        assertEquals(1, StackOptions.threadsPerWorker(1, 2));
        assertEquals(5, StackOptions.threadsPerWorker(16, 3));
        // No in-process worker: the process keeps every core (kdml up for remote workers).
        assertEquals(4, StackOptions.threadsPerWorker(4, 0));
        assertEquals(4, StackOptions.threadsPerWorker(4, 1));
    }
}
