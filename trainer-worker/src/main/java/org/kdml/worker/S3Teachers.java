package org.kdml.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.kdml.core.train.TeacherStore;
import org.kdml.core.train.TrainedTeacher;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Manifest;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.RunMessage;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;
import org.kdml.results.RunFolder;

/**
 * The workers' {@link TeacherStore}: trained frozen teachers in S3 under
 * {@link RunKeys#teacher}, with a manifest (checksums verified on every read). Putting one
 * republishes on {@code kdml.runs} the runs that wait for it ({@link #release}), so that a run that
 * needs a teacher not yet trained never holds a worker: it leaves a marker and lets its offset go.
 * A run and its teacher's owner check each other in opposite order (the waiting run writes its
 * marker, then looks for the teacher; the owner writes the teacher, then lists the markers), so at
 * least one of the two sees the other.
 */
final class S3Teachers implements TeacherStore {

    private final CheckpointStore store;
    private final Path work;
    private final KafkaProducer<String, String> producer;
    private final RunMessage run;
    private final int attempt;

    /**
     * @param producer a non-transactional producer, for republishing waiting runs
     * @param run the run that reads or writes teachers
     * @param attempt its attempt, recorded in a teacher's manifest
     */
    S3Teachers(CheckpointStore store, Path work, KafkaProducer<String, String> producer, RunMessage run, int attempt) {
        this.store = store;
        this.work = work;
        this.producer = producer;
        this.run = run;
        this.attempt = attempt;
    }

    /** @return whether the teacher {@code key} is in S3 (its manifest, written last, is) */
    static boolean has(CheckpointStore store, String key) throws Exception {
        return store.exists(RunKeys.teacher(key) + Manifest.FILE);
    }

    @Override
    public TrainedTeacher find(String key) throws IOException {
        String prefix = RunKeys.teacher(key);
        try {
            if (!store.exists(prefix + Manifest.FILE)) {
                return null;
            }
            Path dir = Files.createTempDirectory(work, "teacher-");
            try {
                store.get(prefix, dir);
                return TrainedTeacher.read(dir);
            } finally {
                RunFolder.deleteTree(dir);
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading the teacher " + prefix + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void put(TrainedTeacher teacher) throws IOException {
        String key = teacher.record().key();
        Path dir = Files.createTempDirectory(work, "teacher-");
        try {
            teacher.write(dir);
            store.put(RunKeys.teacher(key), dir, new Manifest(run.runId(), run.experiment(), "teacher", "teacher",
                    teacher.record().history().size(), attempt, null, Map.of("teacherKey", key), 0));
            release(store, producer, key);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("storing the teacher " + key + ": " + e.getMessage(), e);
        } finally {
            RunFolder.deleteTree(dir);
        }
    }

    /**
     * Republishes every run waiting for the teacher {@code key} on {@code kdml.runs} (a duplicate
     * delivery is harmless: a worker skips a completed run) and removes their markers.
     *
     * @return how many were waiting
     */
    static int release(CheckpointStore store, KafkaProducer<String, String> producer, String key) throws Exception {
        int n = 0;
        for (String marker : store.list(RunKeys.teacherWaitingPrefix(key))) {
            byte[] bytes = store.getBytes(marker);
            if (bytes == null) {
                continue;
            }
            RunMessage m = Topics.RUNS.parse(bytes);
            producer.send(Topics.RUNS.record(m.runId(), m)).get();
            store.delete(marker);
            n++;
        }
        return n;
    }

    /**
     * Leaves a marker that {@code run} waits for the teacher {@code key}.
     */
    static void markWaiting(CheckpointStore store, String key, RunMessage run) throws Exception {
        store.putBytes(RunKeys.teacherWaiting(key, run.runId()), Specs.json().writeValueAsBytes(run));
    }

    /**
     * Records that the teacher {@code key} will not come (its owner was parked as failed) and
     * releases the runs waiting for it, which then fail with {@code reason}.
     */
    static void failed(CheckpointStore store, KafkaProducer<String, String> producer, String key, String ownerRunId,
            String reason) throws Exception {
        store.putBytes(RunKeys.teacherFailed(key), Specs.json().writeValueAsBytes(Map.of("runId", ownerRunId,
                "reason", reason)));
        release(store, producer, key);
    }

    /** @return why the teacher {@code key} will not come, or null when nothing says so */
    static String failure(CheckpointStore store, String key) throws Exception {
        byte[] raw = store.getBytes(RunKeys.teacherFailed(key));
        if (raw == null) {
            return null;
        }
        Map<?, ?> m = Specs.json().readValue(raw, Map.class);
        return "the run that trains its teacher, " + m.get("runId") + ", was parked as failed: " + m.get("reason");
    }
}
