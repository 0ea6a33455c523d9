package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A thread that serves inference beside a training thread gets libtorch to itself alone; the
 * training thread and threads started later keep the process's thread count.
 */
class EngineTurnsTest {

    private static <T> T on(String name, Supplier<T> work) throws InterruptedException {
        AtomicReference<T> out = new AtomicReference<>();
        Thread t = new Thread(() -> out.set(work.get()), name);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), name + " still running");
        return out.get();
    }

    @Test
    void anInferenceThreadBesideTrainingRunsAloneAndTheOthersKeepTheirThreads() throws Exception {
        Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        EngineTurns.step(() -> null);
        // This thread trains: it is never settled.
        assertFalse(EngineTurns.besideTraining());
        int[] inference = on("inference", () -> new int[] {EngineTurns.besideTraining() ? 1 : 0,
            EngineTurns.besideTraining() ? 1 : 0, JniUtils.getNumThreads()});
        if (threads > 1) {
            assertEquals(1, inference[0], "settled on its first call");
            assertEquals(1, inference[2], "libtorch runs on the inference thread alone");
        } else {
            assertEquals(0, inference[0], "one thread already");
        }
        assertEquals(0, inference[1], "settled once");
        assertEquals(threads, JniUtils.getNumThreads(), "the training thread keeps its threads");
        assertEquals(threads, on("later", JniUtils::getNumThreads), "a later thread takes the process's default");
    }

    @Test
    void apartRunsOnAThreadOfItsOwnAndHandsBackItsResultOrItsFailure() throws Exception {
        String caller = Thread.currentThread().getName();
        assertEquals("eval-run", EngineTurns.apart("eval-run", () -> Thread.currentThread().getName()));
        assertEquals(caller, Thread.currentThread().getName());
        IOException e = assertThrows(IOException.class, () -> EngineTurns.apart("failing", () -> {
            throw new IOException("checkpoint s1.params: truncated");
        }));
        assertEquals("checkpoint s1.params: truncated", e.getMessage());
    }

    @Test
    void whileARunTrainsOtherThreadsBatchesRunOnItsThreadBetweenStepsAndWithoutAHostOnTheirOwn() throws Exception {
        String trainer = Thread.currentThread().getName();
        // No run trains: a batch runs on the thread that asks for it.
        assertEquals("evaluator-run", on("evaluator-run", () -> EngineTurns.inference(
                () -> Thread.currentThread().getName())));
        AtomicReference<String> ranOn = new AtomicReference<>();
        String result = EngineTurns.hosting(() -> {
            Thread guest = new Thread(() -> ranOn.set(EngineTurns.inference(() -> Thread.currentThread().getName())),
                    "cka-run");
            guest.start();
            // The host steps until the guest's batch has run (each step runs the batches waiting).
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ranOn.get() == null && System.nanoTime() < deadline) {
                EngineTurns.step(() -> null);
                Thread.onSpinWait();
            }
            try {
                guest.join(30_000);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return "trained";
        });
        assertEquals("trained", result);
        assertEquals(trainer, ranOn.get(), "the guest's batch ran on the training thread");
    }

    @Test
    void aGuestBatchTheHostDoesNotTakeRunsOnItsOwnThreadAndAFailureReachesTheGuest() throws Exception {
        AtomicReference<String> ranOn = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        EngineTurns.hosting(() -> {
            // The host validates (no steps) for longer than a guest waits.
            try {
                ranOn.set(on("evaluator-run", () -> EngineTurns.inference(() -> Thread.currentThread().getName())));
                failed.set(on("cka-run", () -> {
                    try {
                        return EngineTurns.inference(() -> {
                            throw new IllegalStateException("layer4: NaN activations");
                        });
                    } catch (IllegalStateException e) {
                        return e;
                    }
                }));
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return null;
        });
        assertEquals("evaluator-run", ranOn.get());
        assertEquals("layer4: NaN activations", failed.get().getMessage());
    }

    @Test
    void asManyTurnsAtOnceAsTeamsFitOnTheCores() {
        assertEquals(2, EngineTurns.teams(2, 1));
        assertEquals(1, EngineTurns.teams(2, 2));
        assertEquals(1, EngineTurns.teams(2, 4));
        assertEquals(2, EngineTurns.teams(16, 8));
        assertEquals(3, EngineTurns.teams(16, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineTurns.teams(2, 0));
        assertEquals("cores and threads must be >= 1, got 2 and 0", e.getMessage());
    }
}
