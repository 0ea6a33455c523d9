package org.kdml.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.results.EpochRecord;
import org.kdml.results.RunResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.Specs;

/**
 * Two runs trained at the same time on two threads, one libtorch thread each (the two in-process
 * workers of {@code kdml run} on two cores), end with exactly the numbers each gives when trained
 * alone with one thread: their steps overlap (both wait for each other after their first epoch),
 * and nothing one run does reaches the other's weights, gradients or random draws.
 */
class ConcurrentRunsIT {

    private static final String SPEC = String.join("\n",
            "name: concurrent",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off, kd-ml]",
            "versions: [v3]",
            "seeds: [3]",
            "training: {epochs: 3, teacherEpochs: 2, batchSize: 32, learningRate: 0.002}",
            "");

    private static final String THREADS = "ai.djl.pytorch.num_threads";

    @Test
    void twoRunsTrainingAtOnceGiveWhatEachGivesAlone() throws Exception {
        ExperimentSpec spec = Specs.parse(SPEC, "concurrent.yaml");
        List<RunSpec> runs = Specs.runs(spec);
        assertEquals(2, runs.size());
        String before = System.getProperty(THREADS);
        System.setProperty(THREADS, "1");
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task());
                AutoCloseable turns = EngineTurns.moreTurns(1)) {
            RunResult aloneA = train(runs.get(0), data, TrainingListener.NONE);
            RunResult aloneB = train(runs.get(1), data, TrainingListener.NONE);
            CyclicBarrier afterFirstEpoch = new CyclicBarrier(2);
            TrainingListener meet = new TrainingListener() {
                private final ThreadLocal<Boolean> met = ThreadLocal.withInitial(() -> false);

                @Override
                public void onEpoch(String runId, EpochRecord record) {
                    if (!met.get()) {
                        met.set(true);
                        try {
                            afterFirstEpoch.await(120, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException("the other run did not finish its first epoch", e);
                        }
                    }
                }
            };
            AtomicReference<RunResult> atOnceA = new AtomicReference<>();
            AtomicReference<RunResult> atOnceB = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread a = trainer(runs.get(0), data, meet, atOnceA, failure);
            Thread b = trainer(runs.get(1), data, meet, atOnceB, failure);
            a.start();
            b.start();
            a.join(600_000);
            b.join(600_000);
            assertFalse(a.isAlive() || b.isAlive(), "a run still trains after 10 minutes");
            assertEquals(null, failure.get());
            Fixtures.assertSameNumbers(aloneA, atOnceA.get(), aloneA.runId() + " (" + aloneA.variant() + ")");
            Fixtures.assertSameNumbers(aloneB, atOnceB.get(), aloneB.runId() + " (" + aloneB.variant() + ")");
        } finally {
            if (before == null) {
                System.clearProperty(THREADS);
            } else {
                System.setProperty(THREADS, before);
            }
        }
    }

    private static RunResult train(RunSpec run, DiskImages data, TrainingListener listener) throws Exception {
        return EngineTurns.apart("train-" + run.variant().key(), () -> RunTrainer.train(run, data, null, listener,
                Checkpointer.NONE, true, 1));
    }

    private static Thread trainer(RunSpec run, DiskImages data, TrainingListener listener,
            AtomicReference<RunResult> out, AtomicReference<Throwable> failure) {
        return new Thread(() -> {
            try {
                out.set(train(run, data, listener));
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "concurrent-" + run.variant().key());
    }
}
