package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.results.RunResult;

/** A small experiment trained end to end, twice with the same seed. */
class EndToEndIT {

    private static final String SPEC = String.join("\n",
            "name: e2e",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 1000, trainFraction: 0.3, valFraction: 0.1}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [3]",
            "training: {epochs: 4, batchSize: 32, learningRate: 0.002}",
            "");

    @Test
    void learnsClearlyBetterThanChanceAndRepeatsExactly(@TempDir Path out) throws Exception {
        ExperimentSpec spec = Specs.parse(SPEC, "e2e.yaml");
        List<RunResult> first = ExperimentRunner.run(spec, out, TrainingListener.NONE);
        List<RunResult> second = ExperimentRunner.run(spec, null, TrainingListener.NONE);
        RunResult r = first.get(0);
        assertEquals(List.of("teacher", "s1", "s2", "ensemble"), List.copyOf(r.networks().keySet()));
        for (var e : r.networks().entrySet()) {
            Chance.assertAccuracyBeatsChance(e.getValue().test().accuracy(), 600, 2, e.getKey());
        }
        // Same seed, same numbers: every loss of every epoch and every test metric.
        assertEquals(r.history().size(), second.get(0).history().size());
        for (int i = 0; i < r.history().size(); i++) {
            assertEquals(r.history().get(i).train(), second.get(0).history().get(i).train(), "epoch " + i);
            assertEquals(r.history().get(i).validation(), second.get(0).history().get(i).validation(), "epoch " + i);
        }
        assertEquals(Specs.json().writeValueAsString(r.networks()),
                Specs.json().writeValueAsString(second.get(0).networks()));
        Path dir = out.resolve("e2e").resolve(r.runId());
        for (String f : List.of("teacher.params", "s1.params", "s2.params", "split.json", "result.json")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        JsonNode json = Specs.json().readTree(dir.resolve("result.json").toFile());
        assertEquals(r.runId(), json.get("provenance").get("runId").asText());
        assertEquals(Specs.hash(spec), json.get("provenance").get("specHash").asText());
        assertEquals("PyTorch 2.3.1", json.get("provenance").get("engine").asText());
        assertEquals(r.splitSizes().get("test"), Specs.json().readTree(dir.resolve("split.json").toFile())
                .get("test").size());
    }
}
