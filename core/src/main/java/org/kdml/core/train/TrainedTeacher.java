package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import org.kdml.results.EpochRecord;

/**
 * A frozen teacher at the end of its own phase, as another run with the same key takes it: its
 * weights (the best epoch's, every parameter and batch-norm statistic in the network's order, in
 * DJL's array encoding) and the record of its phase (its epochs, best epoch and validation score,
 * images trained, skipped updates), so that the run that reuses it records what the run that
 * trained it recorded. Written as a folder: {@code teacher.json} and {@code teacher.weights}.
 */
public final class TrainedTeacher {

    /**
     * The record of the teacher's phase.
     *
     * @param key the teacher's key
     * @param runId the run that trained it
     * @param history its epochs (the teacher's own numbers only)
     * @param bestEpoch the epoch whose weights these are
     * @param best its validation score at that epoch (the metric first, then the tie-breaker)
     * @param trainedImages images the phase trained on
     * @param skippedUpdates optimiser steps the phase skipped (non-finite gradients)
     */
    public record Record(String key, String runId, List<EpochRecord> history, int bestEpoch, List<Double> best,
            long trainedImages, int skippedUpdates) {
        /** Validates. */
        public Record {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(runId, "runId");
            history = List.copyOf(history);
            best = List.copyOf(best);
        }
    }

    private final Record record;
    private final byte[] weights;

    /**
     * @param record the phase's record
     * @param weights the parameters in DJL's array encoding
     */
    public TrainedTeacher(Record record, byte[] weights) {
        this.record = Objects.requireNonNull(record, "record");
        this.weights = Objects.requireNonNull(weights, "weights").clone();
    }

    /** @return the phase's record */
    public Record record() {
        return record;
    }

    /** @return the parameters in DJL's array encoding (a copy) */
    public byte[] weights() {
        return weights.clone();
    }

    /** Writes {@code teacher.json} and {@code teacher.weights} into {@code dir} (created). */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(RunLayout.TEACHER_WEIGHTS), weights);
        Specs.json().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(RunLayout.TEACHER_RECORD).toFile(),
                record);
    }

    /**
     * Reads a folder {@link #write} wrote.
     *
     * @throws IOException naming the file that is missing or unreadable
     */
    public static TrainedTeacher read(Path dir) throws IOException {
        Path json = dir.resolve(RunLayout.TEACHER_RECORD);
        Path bin = dir.resolve(RunLayout.TEACHER_WEIGHTS);
        for (Path p : List.of(json, bin)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + ": missing (not a trained teacher's folder)");
            }
        }
        return new TrainedTeacher(Specs.json().readValue(json.toFile(), Record.class), Files.readAllBytes(bin));
    }
}
