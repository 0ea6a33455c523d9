package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * The bookkeeping of a checkpoint, written as {@code state.json} beside the weights, snapshots and
 * optimiser moments that {@link DistillationSession#saveState} writes.
 *
 * @param phase the phase of the last finished epoch
 * @param epoch the last finished epoch, 1-based within the phase
 * @param history every epoch so far
 * @param bestEpoch best epoch per node so far
 * @param best best validation scores per node so far
 * @param trainedImages images trained on so far
 * @param seconds training wall time so far
 * @param skippedUpdates skipped optimiser steps per node so far
 */
public record TrainingState(Phase phase, int epoch, List<EpochRecord> history, Map<String, Integer> bestEpoch,
        Map<String, List<Double>> best, long trainedImages, double seconds, Map<String, Integer> skippedUpdates) {

    /** Name of the bookkeeping file in a checkpoint folder ({@link RunLayout#STATE}). */
    public static final String FILE = RunLayout.STATE;

    /** Writes {@code state.json} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Specs.json().writeValue(dir.resolve(FILE).toFile(), this);
    }

    /**
     * Loads a checkpoint folder into {@code session} and returns its bookkeeping.
     *
     * @param dir the folder, or null
     * @return null when {@code dir} is null
     */
    static TrainingState load(Path dir, DistillationSession session) throws IOException {
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + ": not a checkpoint (no " + FILE + ")");
        }
        TrainingState state = Specs.json().readValue(file.toFile(), TrainingState.class);
        session.loadState(dir);
        return state;
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
