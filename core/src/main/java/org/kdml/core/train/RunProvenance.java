package org.kdml.core.train;

import ai.djl.engine.Engine;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Split;
import org.kdml.results.CpuFeatures;
import org.kdml.results.Provenance;

/** The {@link Provenance} of the process that trains: the engine's versions, threads and device. */
public final class RunProvenance {

    private RunProvenance() {
    }

    /** Describes the current process training on {@code data}: its fingerprint and how it is split. */
    public static Provenance current(String runId, String specHash, long seed, LabeledImages data, int attempt) {
        Engine e = Engine.getInstance();
        return new Provenance(runId, specHash, seed, data.fingerprint(), Split.splitting(data),
                Provenance.currentCodeVersion(), Engine.getDjlVersion(),
                e.getEngineName() + " " + e.getVersion(), System.getProperty("java.version"),
                e.defaultDevice().toString(), threads(), attempt, data.splitNote(), CpuFeatures.current());
    }

    /** @return the PyTorch intra-op threads a run trains with in this process */
    public static int threads() {
        return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    }
}
