package org.kdml.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * A gradient collector for the calling thread alone: gradient mode on for this thread while it is
 * open (libtorch keeps the mode per thread), backward from a scalar with a gradient of ones, and the
 * mode as it was on closing. It does what DJL's PyTorch collector does, without that collector's
 * one-per-process flag, so that two runs in one JVM (the in-process workers of {@code kdml run})
 * can each compute a training step at the same time on their own threads. Gradients are
 * accumulated into each parameter's gradient, as DJL's are; the caller clears them.
 */
public final class ThreadGradients implements GradientCollector {

    private final boolean before;

    /** Opens a collector: gradient mode on for this thread until {@link #close()}. */
    public ThreadGradients() {
        before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    @Override
    public void backward(NDArray target) {
        try (NDArray ones = target.getManager().ones(target.getShape(), target.getDataType())) {
            JniUtils.backward((PtNDArray) target, (PtNDArray) ones.toDevice(target.getDevice(), false), false,
                    false);
        }
    }

    /** Not supported: kdml's optimisers clear the gradients of the parameters they own. */
    @Override
    public void zeroGradients() {
        throw new UnsupportedOperationException("zeroGradients: clear the gradients of the parameters you own");
    }

    /** Puts this thread's gradient mode back as it was when the collector opened. */
    @Override
    public void close() {
        JniUtils.setGradMode(before);
    }
}
