package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.kdml.spec.Phase;
import org.kdml.spec.TrainingSpec;
import org.kdml.results.EpochRecord;
import org.kdml.results.RunFolder;

/**
 * The epoch loop shared by the teacher's own phase and the joint phase: each epoch trains on
 * batches prepared ahead, validates, records the epoch, and saves a training state when due.
 */
final class EpochLoop {

    private final RunSetup setup;
    private final Evaluation evaluation;
    private final BestEpochs best;
    private final long start;
    private final double secondsBefore;
    private long trainedImages;
    private double waitSeconds;
    /** Where a state written mid-epoch left off: the epoch it continues, or null (no such state). */
    private TrainingState within;

    /**
     * @param best the record so far, added to as epochs finish
     * @param start {@link System#nanoTime()} when this attempt started
     * @param resumed the state this attempt continues from, or null
     */
    EpochLoop(RunSetup setup, BestEpochs best, long start, TrainingState resumed) {
        this.setup = setup;
        this.evaluation = setup.evaluation();
        this.best = best;
        this.start = start;
        this.secondsBefore = resumed == null ? 0 : resumed.seconds();
        this.trainedImages = resumed == null ? 0 : resumed.trainedImages();
        this.within = resumed != null && resumed.step() > 0 ? resumed : null;
    }

    /** @return images trained on so far, earlier attempts included */
    long trainedImages() {
        return trainedImages;
    }

    /** @return seconds this attempt waited for batches */
    double waitSeconds() {
        return waitSeconds;
    }

    /** @return training wall time so far, earlier attempts included */
    double seconds() {
        return secondsBefore + (System.nanoTime() - start) / 1e9;
    }

    /**
     * Trains epochs {@code from..epochs} of {@code phase} with {@code step}, validating and keeping
     * the best of {@code candidates}.
     */
    void run(Phase phase, int from, int epochs, List<String> candidates,
            BiFunction<NDArray, NDArray, Map<String, Double>> step) throws IOException {
        TrainingSpec t = setup.run().spec().training();
        for (int epoch = from; epoch <= epochs; epoch++) {
            long e0 = System.nanoTime();
            if (t.schedule() != null) {
                // The epoch's rate (a function of the epoch: a resumed run gets the same).
                setup.session().learningRate(t.rate(epoch - 1, epochs));
            }
            Map<String, Double> train = train(phase, epoch, epochs, step);
            // The teacher's own phase validates the teacher alone (the students have not trained yet), so
            // that its record is the same in every run that trains or reuses that teacher.
            Evaluation ev = phase == Phase.TEACHER ? evaluation.of(candidates) : evaluation;
            Map<String, Double> val = ev.validate(setup.split().val(), candidates, epoch, best);
            EpochRecord rec = new EpochRecord(phase, epoch, train, val, (System.nanoTime() - e0) / 1e9);
            best.add(rec);
            setup.listener().onEpoch(setup.run().runId(), rec);
            int every = setup.checkpoints().every();
            if (every > 0 && (epoch % every == 0 || epoch == epochs)) {
                checkpoint(best.state(phase, epoch, trainedImages, seconds(), setup.session().skippedUpdates()), 0);
            }
        }
    }

    /**
     * One epoch of steps, from the step a mid-epoch state left off at when it continues that epoch;
     * stops after a step once the checkpointer asks, saving exactly where it is.
     *
     * @return the mean of every loss term over the steps that reported it
     * @throws TrainingStopped after saving, when a stop was requested
     */
    private Map<String, Double> train(Phase phase, int epoch, int epochs,
            BiFunction<NDArray, NDArray, Map<String, Double>> step) throws IOException {
        Batches batches = setup.batches();
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        int first = 0;
        if (within != null && within.phase() == phase && within.epoch() + 1 == epoch) {
            first = within.step();
            sums.putAll(within.stepSums());
            counts.putAll(within.stepCounts());
        }
        within = null;
        long epochKey = setup.run().seed() * 1_000_003L + (phase == Phase.TEACHER ? 500_009L : 0) + epoch * 10_007L;
        // The order of an epoch depends only on the seed, the phase and the epoch, so a resumed run
        // sees the same batches as one that never stopped.
        List<List<Integer>> plan = Batches.plan(setup.train(), setup.batchSize(), new Random(epochKey));
        if (first > plan.size()) {
            throw new IOException("a state " + first + " steps into " + phase + " epoch " + epoch + ", which has "
                    + plan.size() + " steps: not this run's state");
        }
        int from = first;
        try (Prefetcher ahead = new Prefetcher(setup.pool(), plan.size() - from, setup.depth(),
                i -> batches.prepare(plan.get(from + i), epochKey * 65_537L + from + i))) {
            for (int s = from; s < plan.size(); s++) {
                float[][] prepared = ahead.next();
                int n = plan.get(s).size();
                try (NDManager stepManager = setup.session().manager().newSubManager()) {
                    NDArray targets = prepared[1] != null ? batches.maskArray(prepared[1], n, stepManager)
                            : batches.labels(plan.get(s), stepManager);
                    Map<String, Double> m = step.apply(batches.toArray(prepared[0], n, stepManager), targets);
                    m.forEach((k, v) -> {
                        sums.merge(k, v, Double::sum);
                        counts.merge(k, 1, Integer::sum);
                    });
                    setup.listener().onStep(setup.run().runId(), phase, epoch, epochs, s + 1, plan.size(), m);
                }
                trainedImages += plan.get(s).size();
                if (setup.checkpoints().stopRequested()) {
                    waitSeconds += ahead.waitSeconds();
                    checkpoint(best.state(phase, epoch - 1, trainedImages, seconds(),
                            setup.session().skippedUpdates()).within(s + 1, sums, counts), s + 1);
                    throw new TrainingStopped(setup.run().runId(), phase, epoch, s + 1, plan.size());
                }
            }
            waitSeconds += ahead.waitSeconds();
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        sums.forEach((k, v) -> mean.put(k, v / counts.get(k)));
        return mean;
    }

    /** Writes the whole state, with {@code state}'s bookkeeping, into a temporary folder and hands it to the checkpointer. */
    private void checkpoint(TrainingState state, int step) throws IOException {
        Path dir = Files.createTempDirectory("kdml-state-");
        try {
            setup.session().saveState(dir);
            state.write(dir);
            setup.checkpoints().save(dir, state.phase(), state.epoch(), step);
        } finally {
            RunFolder.deleteTree(dir);
        }
    }
}
