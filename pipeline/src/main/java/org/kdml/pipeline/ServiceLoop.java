package org.kdml.pipeline;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lifecycle the pipeline's services share: their loop runs on a daemon thread of its own and
 * starts again two seconds after a failure (Kafka or S3 away, a fenced producer), until
 * {@link #stopLoop}. An {@link Error} stops it for good and is kept for {@link #halted()}.
 */
public abstract class ServiceLoop implements Runnable {

    /** False once the service is stopping; the loop and its work check it. */
    protected final AtomicBoolean running = new AtomicBoolean(true);
    private final String name;
    private volatile Thread thread;
    private volatile Throwable halted;

    /** @param name the thread's name and the prefix of its messages */
    protected ServiceLoop(String name) {
        this.name = name;
    }

    /** One life of the service's loop: returns when {@link #running} turns false, throws on failure. */
    protected abstract void loop();

    /** Hears a failure of the loop just before it restarts. */
    protected void failed(RuntimeException e) {
    }

    /** Starts the loop on its own daemon thread. */
    protected final void startLoop() {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public final void run() {
        while (running.get()) {
            try {
                loop();
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                failed(e);
                System.err.println(name + ": " + e + "; restarting in 2 s");
                Clients.sleep(2_000);
            } catch (Error e) {
                halted = e;
                return;
            }
        }
    }

    /** Stops the loop and waits for its thread, at most {@code joinMillis}. */
    protected final void stopLoop(long joinMillis) throws InterruptedException {
        running.set(false);
        Thread t = thread;
        if (t != null) {
            t.join(joinMillis);
        }
    }

    /** @return the error that stopped the loop for good, or null */
    public Throwable halted() {
        return halted;
    }
}
