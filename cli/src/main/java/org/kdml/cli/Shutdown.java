package org.kdml.cli;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/** How the long-running commands ({@code up}, {@code worker}, {@code serve}, {@code dashboard}) end. */
final class Shutdown {

    private Shutdown() {
    }

    /** Blocks until Ctrl-C / SIGTERM, then closes {@code resource} (from the shutdown hook). */
    static void await(AutoCloseable resource, PrintStream out) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("kdml: stopping...");
            try {
                resource.close();
            } catch (Exception e) {
                out.println("kdml: while stopping: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
    }
}
