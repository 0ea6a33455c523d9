package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

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
    private static final class FolderCheckpoints implements Checkpointer {
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
        public void save(Path dir, Phase phase, int epoch) throws IOException {
            Path keep = root.resolve(phase + "-" + epoch);
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

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
        resumes(Specs.parse(SPEC, "resume.yaml"), "kd-off-v3", tmp);
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
