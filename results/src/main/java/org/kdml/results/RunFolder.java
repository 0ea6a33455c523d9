package org.kdml.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * The result half of a local run folder ({@link RunLayout}): the spec, the result, the per-image
 * test predictions and where images go, read and written without the engine. The engine's half
 * (the split, the networks' weights) is the engine's {@code RunFiles}.
 */
public final class RunFolder {

    private RunFolder() {
    }

    /**
     * @return the run's per-image test predictions ({@code predictions.csv.gz}), or null when it has
     *     none (segmentation, or a result of an older version)
     */
    public static TestPredictions readPredictions(Path runDir) throws IOException {
        Path file = runDir.resolve(RunLayout.PREDICTIONS);
        return Files.isRegularFile(file) ? TestPredictions.read(file) : null;
    }

    /**
     * Reads a run folder's {@code spec.json}.
     *
     * @throws IOException when it is missing or unreadable
     */
    public static ExperimentSpec readSpec(Path runDir) throws IOException {
        Path file = runDir.resolve(RunLayout.SPEC);
        if (!Files.isRegularFile(file)) {
            throw new IOException(runDir + ": no " + RunLayout.SPEC + " (trained by an older kdml?)");
        }
        return Specs.parse(Files.readString(file), file.toString());
    }

    /** Reads a run folder's {@code result.json}. */
    public static RunResult readResult(Path runDir) throws IOException {
        return Specs.json().readValue(runDir.resolve(RunLayout.RESULT).toFile(), RunResult.class);
    }

    /** @return whether {@code dir} holds a run's {@code result.json} */
    public static boolean hasResult(Path dir) {
        return Files.isRegularFile(dir.resolve(RunLayout.RESULT));
    }

    /** Writes {@code spec.json}, so that the run can be rebuilt (e.g. by {@code kdml cka --run}). */
    public static void writeSpec(Path runDir, ExperimentSpec spec) throws IOException {
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(RunLayout.SPEC), Specs.canonicalJson(spec));
    }

    /** Writes {@code result.json}, pretty-printed. */
    public static void writeResult(Path runDir, RunResult result) throws IOException {
        Files.createDirectories(runDir);
        Specs.json().writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(RunLayout.RESULT).toFile(), result);
    }

    /** @return where a run's segmentation hard-case grid goes ({@code hardest.png}) */
    public static Path hardest(Path runDir) {
        return runDir.resolve(RunLayout.HARDEST);
    }

    /** @return where the CKA heatmap of {@code pair} goes in {@code dir}, e.g. {@code cka-teacher-s1.png} */
    public static Path heatmap(Path dir, String pair) {
        return dir.resolve(RunLayout.heatmap(pair));
    }

    /** Deletes a folder and everything in it; missing is fine. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
