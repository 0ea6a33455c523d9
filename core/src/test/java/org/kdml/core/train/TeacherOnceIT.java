package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;
import org.kdml.spec.TeacherKey;
import org.kdml.results.Provenance;
import org.kdml.results.RunResult;
import org.kdml.results.TeacherOrigin;

/**
 * Each frozen teacher is trained once per key and reused, and a run that reuses it ends with
 * exactly the numbers it gives when it trains its own: kd-off V1–V3 share one teacher per seed,
 * the two methods share another (no adapter), the baseline trains its teacher beside the students.
 */
class TeacherOnceIT {

    private static final String SPEC = String.join("\n",
            "name: teacher-once",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off]",
            "versions: [v1, v2, v3]",
            "baseline: true",
            "methods: [at, fitnet]",
            "seeds: [3, 4]",
            "training: {epochs: 2, teacherEpochs: 2, batchSize: 32, learningRate: 0.002}",
            "");

    @Test
    void eachTeacherKeyTrainsOncePerSeedAndEveryRunMatchesItsRunAlone() throws Exception {
        ExperimentSpec spec = Specs.parse(SPEC, "teacher-once.yaml");
        List<RunSpec> runs = Specs.runs(spec);
        Map<String, Set<String>> keysBySeed = new HashMap<>();
        List<RunResult> shared = new ArrayList<>();
        List<RunResult> alone = new ArrayList<>();
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            TeacherStore teachers = TeacherStore.inMemory();
            for (RunSpec run : runs) {
                shared.add(RunTrainer.train(run, data, null, TrainingListener.NONE, Checkpointer.NONE, true, 1,
                        teachers));
                alone.add(RunTrainer.train(run, data, null, TrainingListener.NONE));
                TeacherKey key = TeacherKey.of(run, Provenance.currentCodeVersion());
                if (key != null) {
                    keysBySeed.computeIfAbsent(key.value(), k -> new HashSet<>()).add(Long.toString(run.seed()));
                }
            }
        }
        // Two keys per seed (kd-off's teacher with its adapter, the methods' without), each of one seed.
        assertEquals(4, keysBySeed.size(), keysBySeed::toString);
        keysBySeed.values().forEach(s -> assertEquals(1, s.size()));
        Map<String, Integer> trained = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            RunResult s = shared.get(i);
            RunResult a = alone.get(i);
            String what = runs.get(i).variant().key() + " seed " + runs.get(i).seed();
            // Bit for bit: every network's test metrics, best epoch and validation score, and the history's numbers.
            assertEquals(Specs.json().writeValueAsString(a.networks()), Specs.json().writeValueAsString(s.networks()),
                    what);
            assertEquals(validation(a), validation(s), what);
            if (runs.get(i).variant().key().equals(ExperimentSpec.BASELINE)) {
                assertNull(s.teacher(), "the baseline's teacher trains beside its students: no key");
                continue;
            }
            assertEquals(TeacherOrigin.TRAINED, a.teacher().source(), what);
            assertEquals(s.teacher().key(), a.teacher().key(), what);
            if (s.teacher().source().equals(TeacherOrigin.TRAINED)) {
                trained.merge(s.teacher().key(), 1, Integer::sum);
            } else {
                assertEquals(TeacherOrigin.REUSED, s.teacher().source(), what);
                String from = s.teacher().from();
                assertTrue(shared.stream().anyMatch(r -> r.runId().equals(from)
                        && r.teacher().source().equals(TeacherOrigin.TRAINED)
                        && r.teacher().key().equals(s.teacher().key())), what + " reused from " + from);
            }
        }
        assertEquals(keysBySeed.keySet(), trained.keySet());
        trained.values().forEach(n -> assertEquals(1, n, "each key trains once: " + trained));
    }

    /** Every epoch's phase, number and validation metrics (not its seconds). */
    private static List<String> validation(RunResult r) {
        return r.history().stream().map(e -> e.phase() + " " + e.epoch() + " " + e.validation() + " " + e.train())
                .toList();
    }

    @Test
    void aTeacherCheckpointSkipsThePhaseAndAWrongOneIsRefusedNamingTheField(@TempDir Path tmp) throws Exception {
        ExperimentSpec first = Specs.parse(String.join("\n",
                "name: ckpt-source",
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 120}",
                "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [kd-off]",
                "versions: [v3]",
                "seeds: [1]",
                "training: {epochs: 1, teacherEpochs: 2, batchSize: 32}",
                ""), "a.yaml");
        List<RunResult> source = ExperimentRunner.run(first, tmp, TrainingListener.NONE);
        Path runDir = tmp.resolve("ckpt-source").resolve(source.get(0).runId());
        String using = Specs.canonicalJson(first).replace("\"name\":\"ckpt-source\"", "\"name\":\"ckpt-use\"");
        ExperimentSpec second = Specs.parse(using.substring(0, using.length() - 1) + ",\"teacherCheckpoint\":\""
                + runDir + "\"}", "b.json");
        assertNotEquals(Specs.runs(first).get(0).runId(), Specs.runs(second).get(0).runId(),
                "teacherCheckpoint enters the run id when set");
        RunResult r = ExperimentRunner.run(second, null, TrainingListener.NONE).get(0);
        assertEquals(TeacherOrigin.CHECKPOINT, r.teacher().source());
        assertEquals(runDir.toString(), r.teacher().from());
        assertTrue(r.history().stream().noneMatch(e -> e.phase() == Phase.TEACHER),
                "no teacher phase");
        assertEquals(0, r.networks().get("teacher").bestEpoch());
        assertEquals(source.get(0).networks().get("teacher").test().accuracy(),
                r.networks().get("teacher").test().accuracy(), "the same teacher, the same test accuracy");

        ExperimentSpec wrong = Specs.parse(Specs.canonicalJson(second).replace("\"teacher\":\"resnet50-tiny\"",
                "\"teacher\":\"resnet18-tiny\""), "c.json");
        SpecException e = assertThrows(SpecException.class, () -> ExperimentRunner.run(wrong, null,
                TrainingListener.NONE));
        assertEquals("teacherCheckpoint", e.field());
        assertTrue(e.getMessage().contains("holds a resnet50-tiny teacher"), e.getMessage());

        Files.writeString(tmp.resolve("not-weights.params"), "nothing");
        ExperimentSpec garbage = Specs.parse(Specs.canonicalJson(second).replace(runDir.toString(),
                tmp.resolve("not-weights.params").toString()), "d.json");
        SpecException g = assertThrows(SpecException.class, () -> ExperimentRunner.run(garbage, null,
                TrainingListener.NONE));
        assertTrue(g.getMessage().contains("does not fit"), g.getMessage());
    }
}
