package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;
import org.kdml.results.RunResult;

/**
 * A run stopped after an epoch and resumed from its checkpoint ends with exactly the numbers of a
 * run that never stopped: weights, best-epoch snapshots, optimiser moments and the epoch order all
 * come back.
 */
class ResumeIT {

    private static final String SPEC = String.join("\n",
            "name: resume",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 200}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off]",
            "versions: [v3]",
            "seeds: [5]",
            "training: {epochs: 3, teacherEpochs: 2, batchSize: 32, learningRate: 0.002}",
            "");

    /** Keeps every saved state in a folder of its own; "crashes" after a chosen save. */
    private static class FolderCheckpoints implements Checkpointer {
        final Path root;
        final List<Path> saved = new ArrayList<>();
        final int crashAfter;
        Path resumeFrom;

        FolderCheckpoints(Path root, int crashAfter) {
            this.root = root;
            this.crashAfter = crashAfter;
        }

        @Override
        public int every() {
            return 1;
        }

        @Override
        public Path resume() {
            return resumeFrom;
        }

        @Override
        public void save(Path dir, Phase phase, int epoch, int step) throws IOException {
            Path keep = root.resolve(phase + "-" + epoch + "-" + step);
            Files.createDirectories(keep);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, keep.resolve(f.getFileName()));
                }
            }
            saved.add(keep);
            if (saved.size() == crashAfter) {
                throw new IllegalStateException("simulated crash after " + phase + " epoch " + epoch);
            }
        }
    }

    /** Asks for a graceful stop after a chosen number of steps in all; keeps the states saved. */
    private static final class StopAfter extends FolderCheckpoints {
        final int stopAfterSteps;
        int steps;

        StopAfter(Path root, int stopAfterSteps) {
            super(root, 0);
            this.stopAfterSteps = stopAfterSteps;
        }

        @Override
        public boolean stopRequested() {
            return ++steps == stopAfterSteps;
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
        resumes(Specs.parse(SPEC, "resume.yaml"), "kd-off-v3", tmp);
    }

    /**
     * A learning-rate schedule is a function of the epoch, so a resumed run takes up the same rates;
     * and it does change training: the first epoch (at the full rate) equals the constant-rate run's,
     * the later ones do not.
     */
    @Test
    void aScheduledRunResumesExactlyAndTheScheduleChangesTraining(@TempDir Path tmp) throws Exception {
        ExperimentSpec stepped = Specs.parse(SPEC.replace("learningRate: 0.002}",
                "learningRate: 0.002, schedule: {kind: step, every: 1, gamma: 0.5}}"), "resume.yaml");
        resumes(stepped, "kd-off-v3", tmp);
        ExperimentSpec constant = Specs.parse(SPEC, "resume.yaml");
        try (DiskImages data = Datasets.open(constant.dataset(), constant.task())) {
            RunResult a = RunTrainer.train(Specs.runs(constant).get(0), data, null, TrainingListener.NONE);
            RunResult b = RunTrainer.train(Specs.runs(stepped).get(0), data, null, TrainingListener.NONE);
            assertEquals(a.history().get(0).train(), b.history().get(0).train(), "epoch 1 at the full rate");
            assertNotEquals(a.history().get(1).train(), b.history().get(1).train(), "epoch 2 at half the rate");
        }
    }

    /** An existing method with a trainable edge module (VID's regressors and variances) resumes bit for bit too. */
    @Test
    void aMethodWithAnEdgeModuleResumesBitForBit(@TempDir Path tmp) throws Exception {
        resumes(Specs.parse(SPEC + "methods: [vid]\n", "resume.yaml"), "baseline-vid", tmp);
    }

    /** SKD's discriminator and its own optimiser resume bit for bit too. */
    @Test
    void theAdversarialMethodResumesBitForBit(@TempDir Path tmp) throws Exception {
        String seg = String.join("\n", "name: resume-skd", "task: segmentation",
                "dataset: {kind: synthetic-scans, root: '" + tmp.resolve("gen") + "', samples: 60, imageSize: 32}",
                "teacher: resnet50-tiny", "students: [resnet18-tiny]", "modes: [kd-off]", "versions: [v1]",
                "methods: [skd]", "seeds: [5]",
                "training: {epochs: 3, teacherEpochs: 2, batchSize: 8, learningRate: 0.002}", "");
        resumes(Specs.parse(seg, "resume-skd.yaml"), "baseline-skd", tmp);
    }

    /**
     * A run stopped gracefully mid-epoch (SIGTERM) saves exactly where it is and, resumed from that
     * state, trains no step twice and ends bit for bit where a run that never stopped ends: stops in
     * the teacher's phase, on the joint phase's first step, mid-epoch, on an epoch's last step, and
     * twice in one run. 200 patches: 140 to train, 5 steps of 32 per epoch (the last of 12).
     */
    @Test
    void aRunStoppedMidEpochResumesWithNoStepRedoneBitForBit(@TempDir Path tmp) throws Exception {
        ExperimentSpec spec = Specs.parse(SPEC, "resume.yaml");
        RunSpec run = Specs.runs(spec).get(0);
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            RunResult straight = RunTrainer.train(run, data, null, TrainingListener.NONE, Checkpointer.NONE, true, 1);
            int steps = 5;
            // Teacher epochs 1-2 are steps 1-10, joint epochs 1-3 steps 11-25.
            int[][] stopsAt = {{3}, {11}, {17}, {15}, {7, 19}};
            String[][] expected = {{"teacher-0-3"}, {"joint-0-1"}, {"joint-1-2"}, {"joint-0-5"},
                {"teacher-1-2", "joint-1-4"}};
            String[] messages = {"stopped after step 3 of 5 of teacher epoch 1", "stopped after step 1 of 5 of joint"
                + " epoch 1", "stopped after step 2 of 5 of joint epoch 2", "stopped after step 5 of 5 of joint epoch 1"};
            for (int c = 0; c < stopsAt.length; c++) {
                Path from = null;
                int trained = 0;
                for (int k = 0; k < stopsAt[c].length; k++) {
                    StopAfter ck = new StopAfter(tmp.resolve("s" + c + "-" + k), stopsAt[c][k] - trained);
                    ck.resumeFrom = from;
                    int attempt = 1 + k;
                    TrainingStopped stop = assertThrows(TrainingStopped.class,
                            () -> RunTrainer.train(run, data, null, TrainingListener.NONE, ck, true, attempt));
                    if (c < messages.length) {
                        assertEquals("run " + run.runId() + " " + messages[c], stop.getMessage());
                    }
                    assertEquals(steps, stop.steps());
                    from = ck.saved.get(ck.saved.size() - 1);
                    assertEquals(expected[c][k], from.getFileName().toString().toLowerCase());
                    trained = stopsAt[c][k];
                }
                StopAfter again = new StopAfter(tmp.resolve("r" + c), -1);
                again.resumeFrom = from;
                RunResult resumed = RunTrainer.train(run, data, null, TrainingListener.NONE, again, true,
                        2 + stopsAt[c].length);
                assertEquals(25 - trained, again.steps, Arrays.toString(stopsAt[c]) + ": steps after resuming");
                Fixtures.assertSameNumbers(straight, resumed, "stops at " + Arrays.toString(stopsAt[c]));
            }
        }
    }

    private static void resumes(ExperimentSpec spec, String variant, Path tmp) throws Exception {
        RunSpec run = Specs.runs(spec).stream().filter(r -> r.variant().key().equals(variant)).findFirst().orElseThrow();
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            RunResult straight = RunTrainer.train(run, data, null, TrainingListener.NONE, Checkpointer.NONE, true, 1);
            for (int crashAfter : new int[] {1, 3}) {
                FolderCheckpoints ck = new FolderCheckpoints(tmp.resolve("c" + crashAfter), crashAfter);
                IllegalStateException crash = assertThrows(IllegalStateException.class,
                        () -> RunTrainer.train(run, data, null, TrainingListener.NONE, ck, true, 1));
                assertEquals(crashAfter == 1 ? "simulated crash after teacher epoch 1"
                        : "simulated crash after joint epoch 1", crash.getMessage());
                FolderCheckpoints again = new FolderCheckpoints(tmp.resolve("r" + crashAfter), 0);
                again.resumeFrom = ck.saved.get(ck.saved.size() - 1);
                RunResult resumed = RunTrainer.train(run, data, tmp.resolve("run" + crashAfter), TrainingListener.NONE,
                        again, false, 2);
                assertEquals(straight.history().size(), resumed.history().size());
                for (int i = 0; i < straight.history().size(); i++) {
                    assertEquals(straight.history().get(i).train(), resumed.history().get(i).train(),
                            "crash after save " + crashAfter + ", epoch record " + i);
                    assertEquals(straight.history().get(i).validation(), resumed.history().get(i).validation());
                }
                assertNull(resumed.networks().get("s1").test(), "test metrics are left to evaluate()");
                RunResult evaluated = RunTrainer.evaluate(tmp.resolve("run" + crashAfter), data, null);
                assertEquals(straight.networks().keySet(), evaluated.networks().keySet(), "the ensemble(s) too");
                assertEquals(Specs.json().writeValueAsString(straight.networks()),
                        Specs.json().writeValueAsString(evaluated.networks()));
                assertEquals(2, evaluated.provenance().attempt());
            }
        }
    }
}
