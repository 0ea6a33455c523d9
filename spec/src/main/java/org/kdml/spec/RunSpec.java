package org.kdml.spec;

/**
 * One run of an experiment: one variant with one seed. Its id is derived from its content, so the
 * same spec always yields the same ids.
 *
 * @param runId stable id: a hash of the spec hash, the variant and the seed
 * @param experiment the experiment's name
 * @param specHash SHA-256 of the experiment spec's canonical JSON
 * @param variant the sharing variant
 * @param seed the seed every source of randomness of the run derives from
 * @param spec the experiment spec the run belongs to
 */
public record RunSpec(String runId, String experiment, String specHash, Variant variant, long seed,
        ExperimentSpec spec) {

    /** Validates the run. */
    public RunSpec {
        SpecException.check(runId != null && runId.matches("[0-9a-f]{16}"), "runId", "must be 16 hex digits, got " + runId);
        SpecException.check(experiment != null, "experiment", "is required");
        SpecException.check(specHash != null && specHash.matches("[0-9a-f]{64}"), "specHash",
                "must be a SHA-256 hex digest, got " + specHash);
        SpecException.check(variant != null, "variant", "is required");
        SpecException.check(spec != null, "spec", "is required");
    }

    /** Creates the run of {@code variant} with {@code seed}, deriving its id. */
    public static RunSpec of(ExperimentSpec spec, String specHash, Variant variant, long seed) {
        String id = Specs.sha256(specHash + "|" + variant.key() + "|" + seed).substring(0, 16);
        return new RunSpec(id, spec.name(), specHash, variant, seed, spec);
    }
}
