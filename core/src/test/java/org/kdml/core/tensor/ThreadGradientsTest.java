package org.kdml.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Two threads collect gradients at the same time, each its own (DJL's collector allows one per
 * process), and each thread's gradient mode is back as it was afterwards.
 */
class ThreadGradientsTest {

    /**
     * On its own thread: opens a collector, waits until the other thread has opened its own, then
     * {@code y = sum(x * x * factor)} at {@code x}; returns dy/dx = 2 x factor and the grad mode after.
     */
    private static Thread gradient(float[] x, float factor, CyclicBarrier bothOpen, AtomicReference<float[]> grad,
            AtomicReference<Boolean> modeAfter, AtomicReference<Throwable> failure) {
        return new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                JniUtils.setGradMode(false);
                NDArray v = Tensors.floats(m, x, new Shape(x.length));
                v.setRequiresGradient(true);
                try (ThreadGradients g = new ThreadGradients()) {
                    bothOpen.await(30, TimeUnit.SECONDS);
                    NDArray y = Tensors.mul(v.mul(v), factor).sum();
                    g.backward(y);
                }
                grad.set(v.getGradient().toFloatArray());
                modeAfter.set(JniUtils.isGradMode());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
    }

    @Test
    void twoThreadsCollectAtOnceEachItsOwnGradients() throws Exception {
        Engine.getEngine("PyTorch");
        CyclicBarrier bothOpen = new CyclicBarrier(2);
        AtomicReference<float[]> ga = new AtomicReference<>();
        AtomicReference<float[]> gb = new AtomicReference<>();
        AtomicReference<Boolean> ma = new AtomicReference<>();
        AtomicReference<Boolean> mb = new AtomicReference<>();
        AtomicReference<Throwable> fa = new AtomicReference<>();
        AtomicReference<Throwable> fb = new AtomicReference<>();
        Thread a = gradient(new float[] {3f}, 1f, bothOpen, ga, ma, fa);
        Thread b = gradient(new float[] {1f, -2f}, 0.5f, bothOpen, gb, mb, fb);
        a.start();
        b.start();
        a.join(60_000);
        b.join(60_000);
        assertFalse(a.isAlive() || b.isAlive(), "a collector thread still runs");
        assertEquals(null, fa.get());
        assertEquals(null, fb.get());
        // d/dx (x²) = 2x at 3; d/dx (0.5 x²) = x at (1, -2).
        assertArrayEquals(new float[] {6f}, ga.get(), 0f);
        assertArrayEquals(new float[] {1f, -2f}, gb.get(), 0f);
        assertFalse(ma.get(), "grad mode back off on the first thread");
        assertFalse(mb.get(), "grad mode back off on the second thread");
    }

    @Test
    void aCollectorOpenedWithGradModeOnLeavesItOnAndDoesNotClearGradients() {
        Engine.getEngine("PyTorch");
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (ThreadGradients g = new ThreadGradients()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, g::zeroGradients);
            assertEquals("zeroGradients: clear the gradients of the parameters you own", e.getMessage());
        } finally {
            assertTrue(JniUtils.isGradMode(), "on before, on after");
            JniUtils.setGradMode(before);
        }
    }
}
