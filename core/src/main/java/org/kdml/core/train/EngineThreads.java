package org.kdml.core.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** What a thread must do before it runs the engine: training, evaluation, CKA and export share it. */
public final class EngineThreads {

    private EngineThreads() {
    }

    /**
     * Turns PyTorch's autograd recording off on the calling thread. Grad mode is per thread in
     * PyTorch, and DJL switches it off only on the thread that loaded the engine: a run trained,
     * evaluated or analysed on another thread (a worker's training thread) must call this first,
     * or in-place weight copies fail and inference builds graphs. {@code GradientCollector} turns it
     * on for the span of each step.
     */
    public static void noGradOnThisThread() {
        Engine.getInstance();
        JniUtils.setGradMode(false);
        // The intra-op thread count is per calling thread with OpenMP, too: give this thread the
        // configured count (DJL applies it only to the thread that loaded the engine).
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        if (threads != null) {
            JniUtils.setNumThreads(Integer.parseInt(threads));
        }
    }
}
