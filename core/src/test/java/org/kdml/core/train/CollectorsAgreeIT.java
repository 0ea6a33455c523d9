package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.Specs;

/**
 * Whole small training runs give the same numbers in a JVM that never collects garbage (Epsilon)
 * and in one that collects every megabyte (a 1 MB young generation): every test metric, every
 * epoch's losses and validation scores, and no skipped steps. Before the engine's memory fix, a
 * collection inside a step changed these (and produced NaN steps).
 */
class CollectorsAgreeIT {

    private static final String CLASSIFICATION = String.join("\n",
            "name: gc-classification",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 240}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v1]",
            "seeds: [3]",
            "training: {epochs: 2, batchSize: 16, learningRate: 0.002}",
            "");

    private static String segmentation(Path root) {
        return String.join("\n",
                "name: gc-segmentation",
                "task: segmentation",
                "dataset: {kind: synthetic-scans, root: '" + root + "', samples: 160, imageSize: 32}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [ml]",
                "versions: [v3]",
                "seeds: [1]",
                "training: {epochs: 2, batchSize: 16, learningRate: 0.002}",
                "");
    }

    @Test
    void epsilonAndATinyYoungGenerationGiveTheSameResults(@TempDir Path dir) throws Exception {
        Path c = Files.writeString(dir.resolve("c.yaml"), CLASSIFICATION);
        Path s = Files.writeString(dir.resolve("s.yaml"), segmentation(dir.resolve("scans")));
        JsonNode never = child(dir, "epsilon", List.of("-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
                "-Xmx4g"), c, s);
        JsonNode often = child(dir, "tiny-young", List.of("-XX:+UseSerialGC", "-Xmn1m", "-Xmx2g"), c, s);
        assertEquals(2, never.size());
        for (int i = 0; i < never.size(); i++) {
            assertEquals(0, never.get(i).get("skippedUpdates").size(), "skipped steps: " + never.get(i));
            assertEquals(never.get(i), often.get(i), "run " + never.get(i).get("runId").asText());
        }
    }

    /** Runs {@link TrainChild} in a new JVM with {@code gcOptions}; @return what it wrote */
    private static JsonNode child(Path dir, String name, List<String> gcOptions, Path... specs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(gcOptions);
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("ai.djl.") || k.equals("DJL_CACHE_DIR") || k.startsWith("http"))
                .sorted()
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainChild.class.getName());
        for (Path spec : specs) {
            cmd.add(spec.toString());
        }
        Path out = dir.resolve(name + ".json");
        cmd.add(out.toString());
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(15, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, name + " JVM did not finish within 15 minutes; log: " + Files.readString(log));
        assertEquals(0, p.exitValue(), name + " JVM failed; log: " + Files.readString(log));
        return Specs.json().readTree(out.toFile());
    }
}
