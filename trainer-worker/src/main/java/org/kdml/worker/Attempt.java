package org.kdml.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.kdml.core.data.DataCache;
import org.kdml.core.data.DiskImages;
import org.kdml.results.Provenance;
import org.kdml.results.RunResult;
import org.kdml.core.train.RunTrainer;
import org.kdml.core.train.TrainingStopped;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.CorruptCheckpointException;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.TeacherKey;
import org.kdml.results.RunFolder;

/**
 * One attempt at one run, on the training thread: nothing to do when the run already completed;
 * no training when a verified final checkpoint exists (a completion that did not commit);
 * otherwise train from the newest verified checkpoint and upload the final model with its
 * manifest.
 */
final class Attempt implements Callable<Attempt.Outcome> {

    /**
     * How an attempt ended.
     *
     * @param alreadyCompleted the run had completed before (a duplicate delivery)
     * @param finalPrefix the final checkpoint's S3 folder
     * @param timings where the attempt's time went (empty when nothing was trained)
     * @param stop where a graceful stop left the run (then nothing is final), or null
     * @param waiting why the run waits (for its frozen teacher, which another run trains; it is
     *     republished when the teacher lands), or null
     */
    record Outcome(boolean alreadyCompleted, String finalPrefix, Map<String, Object> timings, Stop stop,
            String waiting) {

        /** An outcome that does not wait. */
        Outcome(boolean alreadyCompleted, String finalPrefix, Map<String, Object> timings, Stop stop) {
            this(alreadyCompleted, finalPrefix, timings, stop, null);
        }
    }

    /** The run's frozen teacher will not come: its owner was parked as failed. Not retried. */
    static final class TeacherUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        TeacherUnavailable(String reason) {
            super(reason);
        }
    }

    /**
     * Where a graceful stop left a run.
     *
     * @param stopped what training reported: the phase, epoch and step it stopped after
     * @param epochs epochs in that phase
     * @param checkpoint the S3 folder of the state of exactly there, durable
     */
    record Stop(TrainingStopped stopped, int epochs, String checkpoint) {
    }

    private final RunMessage message;
    private final RunSpec run;
    private final int attempt;
    private final int checkpointEvery;
    private final Path work;
    private final CheckpointStore store;
    private final Events events;
    private final DataCache data;
    private final BooleanSupplier cancelled;
    private final BooleanSupplier stop;

    /**
     * @param checkpointEvery epochs between checkpoints
     * @param work the worker's scratch folder
     * @param cancelled true once the attempt must stop at once (its partition revoked), resuming
     *     later from the last checkpoint
     * @param stop true once the attempt must stop gracefully: after the step in progress, with a
     *     checkpoint of exactly there
     */
    Attempt(RunMessage message, RunSpec run, int attempt, int checkpointEvery, Path work, CheckpointStore store,
            Events events, DataCache data, BooleanSupplier cancelled, BooleanSupplier stop) {
        this.message = message;
        this.run = run;
        this.attempt = attempt;
        this.checkpointEvery = checkpointEvery;
        this.work = work;
        this.store = store;
        this.events = events;
        this.data = data;
        this.cancelled = cancelled;
        this.stop = stop;
    }

    @Override
    public Outcome call() throws Exception {
        RunKeys keys = RunKeys.of(message);
        Files.createDirectories(work);
        if (store.exists(keys.completed())) {
            return new Outcome(true, keys.finalCheckpoint(), Map.of(), null);
        }
        if (finalCheckpointVerifies(keys)) {
            return new Outcome(false, keys.finalCheckpoint(), Map.of(), null);
        }
        String waitFor = waitForTeacher(keys);
        if (waitFor != null) {
            return new Outcome(false, null, Map.of(), null, waitFor);
        }
        long t0 = System.nanoTime();
        Path local = Files.createTempDirectory(work, message.runId() + "-");
        S3Checkpoints checkpoints = new S3Checkpoints(message, attempt, checkpointEvery, store, events, data, run,
                local, stop);
        try {
            Path resume = checkpoints.resume();
            events.started(resume == null ? null : checkpoints.resumedFrom());
            long d0 = System.nanoTime();
            DiskImages images = data.get(run.spec().dataset(), run.spec().task());
            double dataSeconds = (System.nanoTime() - d0) / 1e9;
            Path out = local.resolve(RunLayout.FINAL_DIR);
            RunResult trained;
            try {
                trained = RunTrainer.train(run, images, out, new Progress(events, run.spec().training(), cancelled),
                        checkpoints, false, attempt, new S3Teachers(store, work, events.producer(), message, attempt));
            } catch (TrainingStopped stopped) {
                checkpoints.awaitPending();
                int epochs = stopped.phase() == Phase.TEACHER ? run.spec().training().teacherEpochs()
                        : run.spec().training().epochs();
                return new Outcome(false, null, Map.of(), new Stop(stopped, epochs,
                        checkpoints.location(stopped.phase(), stopped.epoch() - 1, stopped.step())));
            }
            checkpoints.awaitPending();
            Files.deleteIfExists(out.resolve(RunLayout.HARDEST));
            long f0 = System.nanoTime();
            store.put(keys.finalCheckpoint(), out, new Manifest(message.runId(), message.experiment(), "final",
                    "final", 0, attempt, null, CheckpointStore.provenance(trained.provenance()), 0));
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("attemptSeconds", (System.nanoTime() - t0) / 1e9);
            timings.put("trainSeconds", trained.trainSeconds() - checkpoints.waitSeconds());
            timings.put("checkpointWaitSeconds", checkpoints.waitSeconds());
            timings.put("checkpointUploadSeconds", checkpoints.uploadSeconds());
            timings.put("checkpoints", checkpoints.uploads());
            timings.put("finalUploadSeconds", (System.nanoTime() - f0) / 1e9);
            timings.put("dataOpenSeconds", dataSeconds);
            return new Outcome(false, keys.finalCheckpoint(), timings, null);
        } finally {
            checkpoints.shutdown();
            RunFolder.deleteTree(local);
        }
    }

    /**
     * Whether this run must wait for its frozen teacher: it has a teacher key, another run of its
     * experiment owns that key ({@link TeacherKey#owner}) and has not put the teacher in S3 yet, and
     * this run has no checkpoint of its own. Then it leaves a marker and waits (the owner republishes
     * it); when the owner was parked as failed it fails with the owner's reason. An owner that
     * completed without putting a teacher there (an older version) is not waited for.
     *
     * @return why it waits, or null to train now
     * @throws TeacherUnavailable when the teacher will not come
     */
    private String waitForTeacher(RunKeys keys) throws Exception {
        String code = Provenance.currentCodeVersion();
        TeacherKey key = TeacherKey.of(run, code);
        if (key == null) {
            return null;
        }
        String owner = TeacherKey.owner(run, code);
        if (owner.equals(run.runId()) || S3Teachers.has(store, key.value()) || !store.epochCheckpoints(keys).isEmpty()
                || store.exists(new RunKeys(run.experiment(), owner).completed())) {
            return null;
        }
        String failure = S3Teachers.failure(store, key.value());
        if (failure != null) {
            throw new TeacherUnavailable(failure);
        }
        S3Teachers.markWaiting(store, key.value(), message);
        // Looked at again after the marker: the owner puts the teacher, then lists the markers.
        if (S3Teachers.has(store, key.value())) {
            store.delete(RunKeys.teacherWaiting(key.value(), run.runId()));
            return null;
        }
        failure = S3Teachers.failure(store, key.value());
        if (failure != null) {
            store.delete(RunKeys.teacherWaiting(key.value(), run.runId()));
            throw new TeacherUnavailable(failure);
        }
        return "waiting for its teacher (key " + key.value() + "), which run " + owner + " trains";
    }

    /** A final checkpoint whose checksums verify means training is done; a corrupt one is retrained. */
    private boolean finalCheckpointVerifies(RunKeys keys) throws Exception {
        if (!store.exists(keys.finalCheckpoint() + Manifest.FILE)) {
            return false;
        }
        Path verify = Files.createTempDirectory(work, "verify-");
        try {
            store.get(keys.finalCheckpoint(), verify);
            return true;
        } catch (CorruptCheckpointException e) {
            events.refused("final checkpoint refused, retraining: " + e.getMessage());
            return false;
        } finally {
            RunFolder.deleteTree(verify);
        }
    }
}
