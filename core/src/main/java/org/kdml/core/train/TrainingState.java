package org.kdml.core.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import org.kdml.results.EpochRecord;
import org.kdml.results.TeacherOrigin;

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
 * @param step steps of the next epoch already trained: 0 at an epoch's end, more when the state was
 *     written mid-epoch (a graceful stop); the next epoch's batch order and augmentation are functions
 *     of the run's seed, the phase, the epoch and the batch index, so the step is all it takes to
 *     continue the epoch exactly where it stopped
 * @param stepSums the sums of the next epoch's loss terms over those steps (null at an epoch's end)
 * @param stepCounts how many of those steps reported each term (null at an epoch's end)
 * @param teacher where the run's frozen teacher came from, once it has one (null before, and
 *     without a frozen teacher)
 */
public record TrainingState(Phase phase, int epoch, List<EpochRecord> history, Map<String, Integer> bestEpoch,
        Map<String, List<Double>> best, long trainedImages, double seconds, Map<String, Integer> skippedUpdates,
        int step, Map<String, Double> stepSums, Map<String, Integer> stepCounts,
        @JsonInclude(JsonInclude.Include.NON_NULL) TeacherOrigin teacher) {

    /** Validates. */
    public TrainingState {
        if (step < 0) {
            throw new IllegalArgumentException("step: must be >= 0, got " + step);
        }
        if (step > 0 && (stepSums == null || stepCounts == null)) {
            throw new IllegalArgumentException("stepSums, stepCounts: required when step > 0 (step " + step + ")");
        }
    }

    /** The state at the end of {@code epoch} of {@code phase}. */
    public TrainingState(Phase phase, int epoch, List<EpochRecord> history, Map<String, Integer> bestEpoch,
            Map<String, List<Double>> best, long trainedImages, double seconds, Map<String, Integer> skippedUpdates,
            TeacherOrigin teacher) {
        this(phase, epoch, history, bestEpoch, best, trainedImages, seconds, skippedUpdates, 0, null, null, teacher);
    }

    /**
     * @return this state, {@code step} steps into the next epoch, with those steps' loss sums and counts
     */
    public TrainingState within(int step, Map<String, Double> sums, Map<String, Integer> counts) {
        return new TrainingState(phase, epoch, history, bestEpoch, best, trainedImages, seconds, skippedUpdates, step,
                new LinkedHashMap<>(sums), new LinkedHashMap<>(counts), teacher);
    }

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
}
