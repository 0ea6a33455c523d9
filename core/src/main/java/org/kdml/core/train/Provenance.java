package org.kdml.core.train;

import ai.djl.engine.Engine;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Split;
import org.kdml.spec.Splitting;

/**
 * Where a result came from, enough to run it again.
 *
 * @param runId the run's stable id
 * @param specHash SHA-256 of the experiment spec's canonical JSON
 * @param seed the run's seed
 * @param datasetFingerprint content hash of the data set
 * @param split how the data set was split: {@code official} (its published splits, as given) or
 *     {@code pooled} (kdml's stratified split of every image); null in results of older versions
 * @param codeVersion kdml's version and commit
 * @param djlVersion DJL's version
 * @param engine the deep-learning engine and its version, e.g. {@code PyTorch 2.3.1}
 * @param javaVersion the JVM's version
 * @param device the device trained on, e.g. {@code cpu()}
 * @param threads intra-op threads of the engine
 * @param attempt 1 for a first attempt, more for a resumed or repeated run
 * @param splitNote how an official split was completed when the data set did not give all of it
 *     (validation carved from training), else null
 * @param cpu the instruction sets of the machine that trained (its kernels decide the last bits of
 *     every number); null in results of older versions
 */
public record Provenance(String runId, String specHash, long seed, String datasetFingerprint, Splitting split,
        String codeVersion, String djlVersion, String engine, String javaVersion, String device, int threads,
        int attempt, String splitNote, CpuFeatures cpu) {

    /** Describes the current process training on {@code data}: its fingerprint and how it is split. */
    public static Provenance current(String runId, String specHash, long seed, LabeledImages data, int attempt) {
        Engine e = Engine.getInstance();
        return new Provenance(runId, specHash, seed, data.fingerprint(), Split.splitting(data), currentCodeVersion(),
                Engine.getDjlVersion(),
                e.getEngineName() + " " + e.getVersion(), System.getProperty("java.version"),
                e.defaultDevice().toString(), Integer.getInteger("ai.djl.pytorch.num_threads",
                        Runtime.getRuntime().availableProcessors()), attempt, data.splitNote(),
                CpuFeatures.current());
    }

    /** @return kdml's version (jar manifest) plus {@code +commit} when the launcher passed it */
    public static String currentCodeVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        String commit = System.getProperty("kdml.commit", "");
        return (v == null ? "dev" : v) + (commit.isBlank() ? "" : "+" + commit);
    }
}
