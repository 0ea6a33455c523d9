package org.kdml.results;

import org.kdml.spec.Splitting;

/**
 * Where a result came from, enough to run it again. The engine fills it in for the process that
 * trains ({@code RunProvenance} in the engine); readers of results see it without the engine.
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

    /** @return kdml's version (jar manifest) plus {@code +commit} when the launcher passed it */
    public static String currentCodeVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        String commit = System.getProperty("kdml.commit", "");
        return (v == null ? "dev" : v) + (commit.isBlank() ? "" : "+" + commit);
    }
}
