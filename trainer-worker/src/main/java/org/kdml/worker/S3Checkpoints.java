package org.kdml.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.kdml.core.data.DataCache;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.train.Checkpointer;
import org.kdml.core.train.RunProvenance;
import org.kdml.core.train.TrainingState;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.CorruptCheckpointException;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.results.RunFolder;

/**
 * The checkpoints of one attempt in S3: the newest state whose checksums verify to resume from,
 * and an upload after every {@code every} epochs on a background thread, the newest two kept.
 */
final class S3Checkpoints implements Checkpointer {

    /** Checkpoints kept per run, so that a corrupt newest one still has a fallback. */
    private static final int KEPT = 2;

    private final RunMessage run;
    private final int attempt;
    private final int every;
    private final RunKeys keys;
    private final CheckpointStore store;
    private final Events events;
    private final DataCache data;
    private final RunSpec spec;
    private final Path local;
    private final BooleanSupplier stop;
    private final ExecutorService uploader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kdml-upload");
        t.setDaemon(true);
        return t;
    });
    private String resumedFrom;
    private Path resumed;
    private volatile Future<?> pending;
    private volatile double uploadSeconds;
    private volatile int uploads;
    private double waitSeconds;

    /**
     * @param every epochs between checkpoints (0 = none)
     * @param data the worker's data sets (the run's fingerprint goes into each manifest's provenance)
     * @param spec the run
     * @param local scratch folder of the attempt
     * @param stop true once the worker is stopping gracefully (training then saves where it is and stops)
     */
    S3Checkpoints(RunMessage run, int attempt, int every, CheckpointStore store, Events events, DataCache data,
            RunSpec spec, Path local, BooleanSupplier stop) {
        this.run = run;
        this.attempt = attempt;
        this.every = every;
        this.keys = RunKeys.of(run);
        this.store = store;
        this.events = events;
        this.data = data;
        this.spec = spec;
        this.local = local;
        this.stop = stop;
    }

    @Override
    public boolean stopRequested() {
        return stop.getAsBoolean();
    }

    @Override
    public int every() {
        return every;
    }

    /** @return the checkpoint the attempt resumed from, or null */
    String resumedFrom() {
        return resumedFrom;
    }

    /** @return seconds training waited for uploads */
    double waitSeconds() {
        return waitSeconds;
    }

    /** @return seconds spent uploading (in the background) */
    double uploadSeconds() {
        return uploadSeconds;
    }

    /** @return checkpoints uploaded */
    int uploads() {
        return uploads;
    }

    @Override
    public Path resume() throws IOException {
        if (resumed != null) {
            return resumed;
        }
        try {
            List<String> list = new ArrayList<>(store.epochCheckpoints(keys));
            for (int i = list.size() - 1; i >= 0; i--) {
                Path dir = local.resolve("resume-" + i);
                try {
                    store.get(list.get(i), dir);
                    resumedFrom = list.get(i);
                    resumed = dir;
                    return dir;
                } catch (CorruptCheckpointException e) {
                    events.refused("checkpoint refused: " + e.getMessage()
                            + (i > 0 ? "; falling back to " + list.get(i - 1) : "; starting afresh"));
                    RunFolder.deleteTree(dir);
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading checkpoints of " + keys.prefix() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the state aside and uploads it on a background thread, so that the next epoch
     * trains while this one is stored; at most one upload is in flight, and a failed upload
     * fails the attempt at the next save or at the end.
     */
    @Override
    public void save(Path dir, Phase phase, int epoch, int step) throws IOException {
        awaitPending();
        Path copy = local.resolve("upload-" + RunLayout.state(phase, epoch, step));
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        pending = uploader.submit(() -> {
            long u0 = System.nanoTime();
            upload(copy, phase, epoch, step);
            uploadSeconds += (System.nanoTime() - u0) / 1e9;
            uploads++;
            RunFolder.deleteTree(copy);
            return null;
        });
    }

    /** Waits for the upload in flight, if any; its failure becomes this attempt's failure. */
    void awaitPending() throws IOException {
        Future<?> p = pending;
        if (p == null) {
            return;
        }
        long w0 = System.nanoTime();
        try {
            p.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while uploading a checkpoint", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(c.getMessage(), c);
        } finally {
            waitSeconds += (System.nanoTime() - w0) / 1e9;
            pending = null;
        }
    }

    /** Stops the uploader. */
    void shutdown() {
        uploader.shutdownNow();
    }

    /** @return the S3 folder of the state {@code step} steps after {@code epoch} of {@code phase} */
    String location(Phase phase, int epoch, int step) {
        return store.bucket() + "/" + keys.state(phase, epoch, step);
    }

    private void upload(Path dir, Phase phase, int epoch, int step) throws IOException {
        String prefix = keys.state(phase, epoch, step);
        try {
            JsonNode state = Specs.json().readTree(dir.resolve(TrainingState.FILE).toFile());
            Map<String, Object> prov = new LinkedHashMap<>();
            prov.put("specHash", run.specHash());
            prov.put("seed", run.seed());
            prov.put("trainedImages", state.path("trainedImages").asLong());
            prov.put("step", step);
            LabeledImages images = data.get(spec.spec().dataset(), spec.spec().task());
            prov.putAll(CheckpointStore.provenance(RunProvenance.current(run.runId(), run.specHash(), run.seed(), images,
                    attempt)));
            store.put(prefix, dir, new Manifest(run.runId(), run.experiment(), "epoch", phase.key(), epoch, attempt,
                    null, prov, 0));
            List<String> all = store.epochCheckpoints(keys);
            for (int i = 0; i < all.size() - KEPT; i++) {
                store.delete(all.get(i));
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("checkpoint " + prefix + ": " + e.getMessage(), e);
        }
        events.checkpointed(phase, epoch, location(phase, epoch, step));
    }
}
