package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.results.EpochRecord;
import org.kdml.results.RunFolder;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * {@code kdml train} run again after a crash keeps the runs that finished, resumes the one that
 * was interrupted from its last epoch's checkpoint, finds the frozen teacher a kept run trained,
 * and ends with exactly the numbers of an experiment that never stopped; {@code fresh} trains
 * everything again, to the same numbers.
 */
class TrainResumesIT {

    private static final String SPEC = String.join("\n",
            "name: again",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off]",
            "versions: [v1, v3]",
            "seeds: [4]",
            "training: {epochs: 3, teacherEpochs: 2, batchSize: 32, learningRate: 0.002}",
            "");

    /** A crash: throws at the chosen joint epoch of the chosen run, or when that run starts (epoch 0). */
    private static final class CrashAt implements TrainingListener {
        final String runId;
        final int jointEpoch;
        final List<String> warnings = new ArrayList<>();

        CrashAt(String runId, int jointEpoch) {
            this.runId = runId;
            this.jointEpoch = jointEpoch;
        }

        @Override
        public void onRunStart(RunSpec run, int index, int total) {
            if (jointEpoch == 0 && run.runId().equals(runId)) {
                throw new IllegalStateException("simulated crash before run " + runId);
            }
        }

        @Override
        public void onEpoch(String id, EpochRecord record) {
            if (id.equals(runId) && record.phase() == Phase.JOINT && record.epoch() == jointEpoch) {
                throw new IllegalStateException("simulated crash after joint epoch " + jointEpoch + " of " + id);
            }
        }

        @Override
        public void onWarning(String message) {
            warnings.add(message);
        }
    }

    @Test
    void aCrashedExperimentRunAgainEndsAsOneThatNeverStopped(@TempDir Path tmp) throws Exception {
        ExperimentSpec spec = Specs.parse(SPEC, "again.yaml");
        List<RunSpec> runs = Specs.runs(spec);
        assertEquals(2, runs.size());
        List<RunResult> straight = ExperimentRunner.run(spec, null, TrainingListener.NONE);
        assertEquals("reused", straight.get(1).teacher().source(), "the second run takes the first one's teacher");

        // Killed in the second run's joint phase: the first run is kept, the second resumes.
        Path out = tmp.resolve("mid-run");
        IllegalStateException crash = assertThrows(IllegalStateException.class, () -> ExperimentRunner.run(spec, out,
                new CrashAt(runs.get(1).runId(), 2)));
        assertEquals("simulated crash after joint epoch 2 of " + runs.get(1).runId(), crash.getMessage());
        Path second = out.resolve("again").resolve(runs.get(1).runId());
        assertFalse(RunFolder.hasResult(second));
        assertTrue(Files.isDirectory(second.resolve(ExperimentRunner.CHECKPOINTS)), "a checkpoint to resume from");
        CrashAt quiet = new CrashAt("none", -1);
        same(straight, ExperimentRunner.run(spec, out, quiet));
        assertTrue(quiet.warnings.get(0).startsWith("run " + runs.get(0).runId() + " (kd-off-v1 seed 4) finished"
                + " before"), quiet.warnings.toString());
        assertTrue(quiet.warnings.stream().anyMatch(w -> w.startsWith("resumed " + runs.get(1).runId())),
                quiet.warnings.toString());
        assertFalse(Files.exists(second.resolve(ExperimentRunner.CHECKPOINTS)), "a finished run keeps no checkpoint");

        // Once more: nothing is trained, every result is kept.
        CrashAt again = new CrashAt("none", -1);
        same(straight, ExperimentRunner.run(spec, out, again));
        assertEquals(2, again.warnings.stream().filter(w -> w.contains("finished before")).count(),
                again.warnings.toString());

        // Killed between the runs: the second finds the first one's teacher in the experiment's folder.
        Path between = tmp.resolve("between");
        assertThrows(IllegalStateException.class, () -> ExperimentRunner.run(spec, between,
                new CrashAt(runs.get(1).runId(), 0)));
        same(straight, ExperimentRunner.run(spec, between, TrainingListener.NONE));

        // fresh: everything trained again, to the same numbers.
        same(straight, ExperimentRunner.run(spec, out, TrainingListener.NONE, true));
    }

    private static void same(List<RunResult> expected, List<RunResult> actual) throws Exception {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            RunResult a = expected.get(i);
            RunResult b = actual.get(i);
            String run = a.runId() + " (" + a.variant() + ")";
            assertEquals(a.runId(), b.runId());
            assertEquals(a.teacher().source(), b.teacher().source(), run + ": where its teacher came from");
            Fixtures.assertSameNumbers(a, b, run);
        }
    }
}
