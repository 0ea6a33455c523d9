package org.kdml.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * One run on {@code kdml.runs}: the experiment's canonical spec and which of its runs this is.
 *
 * @param runId the run's stable id (the message key)
 * @param experiment the experiment's name
 * @param variant the variant key
 * @param seed the seed
 * @param specHash hash of the canonical spec
 * @param index 1-based position of the run in its experiment
 * @param total runs in the experiment
 * @param spec the canonical spec
 */
public record RunMessage(String runId, String experiment, String variant, long seed, String specHash, int index,
        int total, JsonNode spec) {

    /** The message for {@code run}. */
    public static RunMessage of(RunSpec run, int index, int total) {
        try {
            return new RunMessage(run.runId(), run.experiment(), run.variant().key(), run.seed(), run.specHash(),
                    index, total, Specs.json().readTree(Specs.canonicalJson(run.spec())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The run this message names, rebuilt from its spec.
     *
     * @throws IllegalArgumentException when the spec does not contain the run (a forged or stale message)
     */
    public RunSpec run() {
        ExperimentSpec s = Specs.parse(spec.toString(), "kdml.runs/" + runId);
        List<RunSpec> runs = Specs.runs(s);
        return runs.stream().filter(r -> r.runId().equals(runId)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("runId: " + runId + " is not a run of the spec it carries"));
    }
}
