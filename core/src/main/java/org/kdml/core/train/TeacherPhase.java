package org.kdml.core.train;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.model.PretrainedWeights;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunLayout;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.TeacherKey;
import org.kdml.results.TeacherOrigin;
import org.kdml.results.RunFolder;

/**
 * The frozen teacher's own phase, trained once per {@link TeacherKey}: a run whose teacher is in the
 * {@link TeacherStore} takes it (weights bit for bit, and the phase's record) instead of training
 * it; a run that trains it puts it there; a run of a spec with {@code teacherCheckpoint} loads it
 * from there. Each way ends with the teacher at its best epoch's weights, frozen.
 */
final class TeacherPhase {

    private TeacherPhase() {
    }

    /**
     * Gives the session its frozen teacher.
     *
     * @param resumed the state this attempt continues, or null
     * @param key the teacher's key (null with a checkpoint)
     * @return where the teacher came from
     */
    static TeacherOrigin prepare(EpochLoop loop, RunSetup setup, BestEpochs best, TrainingState resumed,
            TeacherKey key, TeacherStore teachers) throws IOException {
        DistillationSession session = setup.session();
        int teacherEpochs = setup.run().spec().training().teacherEpochs();
        if (resumed != null && resumed.phase() == Phase.JOINT) {
            // The state holds the teacher's weights and snapshot, and where it came from.
            session.restore(SharingGraph.TEACHER);
            session.freezeTeacher();
            return best.teacher();
        }
        String checkpoint = setup.run().spec().teacherCheckpoint();
        TeacherOrigin origin;
        if (checkpoint != null) {
            load(setup, Path.of(checkpoint));
            // Its validation score, recorded as epoch 0 (it trained nowhere in this run).
            setup.evaluation().of(List.of(SharingGraph.TEACHER)).validate(setup.split().val(),
                    List.of(SharingGraph.TEACHER), 0, best);
            origin = new TeacherOrigin(null, TeacherOrigin.CHECKPOINT, checkpoint);
        } else {
            TrainedTeacher found = resumed == null && key != null ? teachers.find(key.value()) : null;
            if (found != null) {
                session.weights().adopt(SharingGraph.TEACHER, found.weights());
                best.adopt(found.record());
                if (found.record().skippedUpdates() > 0) {
                    Map<String, Integer> skipped = new HashMap<>(session.skippedUpdates());
                    skipped.put(SharingGraph.TEACHER, found.record().skippedUpdates());
                    session.restoreSkipped(skipped);
                }
                origin = new TeacherOrigin(key.value(), TeacherOrigin.REUSED, found.record().runId());
            } else {
                long before = loop.trainedImages();
                loop.run(Phase.TEACHER, resumed == null ? 1 : resumed.epoch() + 1, teacherEpochs,
                        List.of(SharingGraph.TEACHER), session::teacherStep);
                origin = new TeacherOrigin(key == null ? null : key.value(), TeacherOrigin.TRAINED, null);
                session.restore(SharingGraph.TEACHER);
                if (key != null) {
                    teachers.put(new TrainedTeacher(best.teacherPhase(key.value(), setup.run().runId(),
                            loop.trainedImages() - before, session.skippedUpdates().getOrDefault(
                                    SharingGraph.TEACHER, 0)), session.weights().encode(SharingGraph.TEACHER)));
                }
            }
        }
        session.restore(SharingGraph.TEACHER);
        session.freezeTeacher();
        best.teacher(origin);
        return origin;
    }

    /**
     * Loads {@code teacherCheckpoint} into the teacher: a run folder (its {@code teacher.params},
     * after checking that its spec's teacher and input size are this spec's), a {@code .params} file
     * or a {@code .npz} {@code state_dict}.
     *
     * @throws SpecException naming {@code teacherCheckpoint} when it is missing or does not fit
     */
    private static void load(RunSetup setup, Path checkpoint) throws IOException {
        ExperimentSpec spec = setup.run().spec();
        DistillationSession session = setup.session();
        Path file = checkpoint;
        if (Files.isDirectory(checkpoint)) {
            file = checkpoint.resolve(RunLayout.params(SharingGraph.TEACHER));
            Path specFile = checkpoint.resolve(RunLayout.SPEC);
            if (Files.isRegularFile(specFile)) {
                ExperimentSpec other = RunFolder.readSpec(checkpoint);
                if (!spec.teacher().equals(other.teacher())) {
                    throw new SpecException("teacherCheckpoint", checkpoint + " holds a " + other.teacher()
                            + " teacher; this spec's teacher is " + spec.teacher());
                }
                if (!other.dataset().imageSize().equals(spec.dataset().imageSize())) {
                    throw new SpecException("teacherCheckpoint", checkpoint + "'s teacher was trained on "
                            + other.dataset().imageSize() + " px images; this spec's dataset.imageSize is "
                            + spec.dataset().imageSize());
                }
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new SpecException("teacherCheckpoint", "not found: " + file);
        }
        try {
            if (file.getFileName().toString().endsWith(".npz")) {
                PretrainedWeights.load(session.networks().get(SharingGraph.TEACHER), file);
            } else {
                try (InputStream in = Files.newInputStream(file)) {
                    session.weights().load(SharingGraph.TEACHER, in);
                }
            }
        } catch (MalformedModelException | IllegalArgumentException | IllegalStateException e) {
            throw new SpecException("teacherCheckpoint", file + " does not fit this spec's teacher ("
                    + spec.teacher() + ", " + setup.data().classes() + " classes): " + e.getMessage());
        }
    }
}
