package org.kdml.core.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.kdml.core.data.Augmenter;
import org.kdml.core.data.Balancing;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.Normalization;
import org.kdml.core.data.Split;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.PretrainedWeights;
import org.kdml.spec.Edge;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherKey;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;
import org.kdml.results.NetworkResult;
import org.kdml.results.Provenance;
import org.kdml.results.RunResult;
import org.kdml.results.TeacherOrigin;
import org.kdml.results.RunFolder;

/**
 * Trains one run end to end, in process: split, networks, the teacher's own phase when it is
 * frozen, joint epochs with validation, best epoch per network, test metrics for every network and
 * the ensemble, then checkpoints and {@code result.json} in the run's folder. The epoch loop is
 * {@link EpochLoop}; evaluation is {@link Evaluation}; the run's files are {@link RunFiles}.
 */
public final class RunTrainer {


    private RunTrainer() {
    }

    /**
     * Runs {@code run} on {@code data}, in process, with test metrics and nothing checkpointed.
     *
     * @param run the run
     * @param data the data set
     * @param runDir where checkpoints and the result go (created), or null to keep nothing on disk
     * @param listener hears progress
     * @return the result
     */
    public static RunResult train(RunSpec run, LabeledImages data, Path runDir, TrainingListener listener)
            throws IOException {
        return train(run, data, runDir, listener, Checkpointer.NONE, true, 1);
    }

    /**
     * Runs {@code run} on {@code data}, continuing from {@code checkpoints.resume()} when it has a
     * state and saving one every {@code checkpoints.every()} epochs.
     *
     * @param test whether to evaluate on the test split here; without, the result's networks carry
     *     only their best epoch and validation score, and {@link #evaluate} adds test metrics later
     * @param attempt the delivery attempt, recorded in the provenance
     */
    public static RunResult train(RunSpec run, LabeledImages data, Path runDir, TrainingListener listener,
            Checkpointer checkpoints, boolean test, int attempt) throws IOException {
        return train(run, data, runDir, listener, checkpoints, test, attempt, TeacherStore.NONE);
    }

    /**
     * {@link #train(RunSpec, LabeledImages, Path, TrainingListener, Checkpointer, boolean, int)}, taking a
     * frozen teacher from {@code teachers} when one with the run's {@link TeacherKey} is there, and
     * putting the one it trains there otherwise.
     */
    public static RunResult train(RunSpec run, LabeledImages data, Path runDir, TrainingListener listener,
            Checkpointer checkpoints, boolean test, int attempt, TeacherStore teachers) throws IOException {
        // While it trains, this thread runs other threads' inference batches between its steps (EngineTurns).
        return EngineTurns.hosting(() -> trainHere(run, data, runDir, listener, checkpoints, test, attempt, teachers));
    }

    private static RunResult trainHere(RunSpec run, LabeledImages data, Path runDir, TrainingListener listener,
            Checkpointer checkpoints, boolean test, int attempt, TeacherStore teachers) throws IOException {
        ExperimentSpec spec = run.spec();
        TrainingSpec t = spec.training();
        SharingGraph graph = run.variant().graph();
        EngineThreads.noGradOnThisThread();
        NetworkSet.seedEngine(run.seed());
        Split split = Split.of(data, spec.dataset().trainFraction(), spec.dataset().valFraction(), run.seed());
        List<Integer> train = Balancing.apply(spec.dataset().balance(), data, split.train(), run.seed());
        Normalization norm = Normalization.fit(data.imageSize(), data::image, split.train());
        Batches batches = new Batches(data, norm, new Augmenter(spec.dataset().augmentation()));
        int threads = spec.dataset().loaderThreads() != null ? spec.dataset().loaderThreads()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = loaderPool(threads);
        BestEpochs best = new BestEpochs();
        long start = System.nanoTime();
        NDManager manager = NDManager.newBaseManager();
        boolean seg = spec.task() == Task.SEGMENTATION;
        Map<String, DistillNet> nets = NetworkSet.buildSeeded(run.seed(), NetworkSet.Plan.of(spec, run.variant(),
                data.classes(), data.imageSize()), manager);
        TaskLoss taskLoss = taskLoss(t, seg);
        // The edge modules get a seed of their own, so that adding one leaves the networks' initial weights
        // alone; a graph without methods builds nothing and reseeds nothing (its runs stay as they were).
        boolean methods = graph.edges().stream().anyMatch(e -> e.knowledge().isMethod());
        Methods.Built built = methods ? NetworkSet.seeded(run.seed() * 31 + 17, () -> Methods.build(graph, nets, t,
                taskLoss, data.imageSize(), manager)) : Methods.build(graph, nets, t, taskLoss, data.imageSize(),
                manager);
        try (DistillationSession session = new DistillationSession(manager, graph, nets, t.learningRate(), t.alpha(),
                taskLoss, built)) {
            RunSetup setup = new RunSetup(run, session, batches, split, train, data, t.batchSize(), pool, 2 * threads,
                    listener, checkpoints);
            for (Map.Entry<String, String> w : spec.weights().entrySet()) {
                if (nets.containsKey(w.getKey())) {
                    PretrainedWeights.load(nets.get(w.getKey()), Path.of(w.getValue()));
                }
            }
            TrainingState resumed = TrainingState.load(checkpoints.resume(), session);
            if (resumed != null) {
                best.restore(resumed);
                session.restoreSkipped(resumed.skippedUpdates());
                listener.onWarning("resumed " + run.runId() + " after " + resumed.phase() + " epoch " + resumed.epoch());
            }
            EpochLoop loop = new EpochLoop(setup, best, start, resumed);
            TeacherOrigin teacher = graph.teacher() == TeacherTraining.FROZEN ? TeacherPhase.prepare(loop, setup, best,
                    resumed, TeacherKey.of(run, Provenance.currentCodeVersion()), teachers) : null;
            trainJoint(loop, session, t, resumed);
            double seconds = loop.seconds();
            Map<String, NetworkResult> results = withTrainingOnly(test
                    ? setup.evaluation().test(seg, split.test(), best, runDir)
                    : untested(session, best), session::edgeModuleParameters);
            List<String> edges = graph.edges().stream().map(Edge::toString).toList();
            RunResult result = RunResult.builder(run.runId(), run.experiment(), run.variant().key(), run.seed())
                    .teacherTraining(graph.teacher().key()).edges(edges).networks(results).history(best.history())
                    .splitSizes(Map.of("train", split.train().size(), "val", split.val().size(), "test",
                            split.test().size()))
                    .normalization(norm).trainSeconds(seconds).imagesPerSecond(loop.trainedImages() / seconds)
                    .dataLoading(dataLoading(data, batches, loop, train.size(), seconds))
                    .skippedUpdates(session.skippedUpdates())
                    .provenance(RunProvenance.current(run.runId(), run.specHash(), run.seed(), data, attempt))
                    .protocol(run.variant().key().startsWith(ExperimentSpec.METHOD_PREFIX) ? t.protocolOrDefault()
                            : null)
                    .teacher(teacher).build();
            if (runDir != null) {
                write(runDir, session, result, split, data, spec);
            }
            return result;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The joint phase (after {@link TeacherPhase} gave a frozen teacher), continuing where
     * {@code resumed} left off; at the end every trainable network gets its best epoch's weights back.
     */
    private static void trainJoint(EpochLoop loop, DistillationSession session, TrainingSpec t,
            TrainingState resumed) throws IOException {
        boolean jointResumed = resumed != null && resumed.phase() == Phase.JOINT;
        List<String> trainable = session.trainableNodes();
        loop.run(Phase.JOINT, jointResumed ? resumed.epoch() + 1 : 1, t.epochs(), trainable, session::jointStep);
        for (String node : trainable) {
            session.restore(node);
        }
    }

    /**
     * Test metrics of a run trained with {@code test = false}: rebuilds its networks from the files
     * {@link #train} wrote in {@code runDir} ({@code spec.json}, {@code split.json},
     * {@code result.json}, {@code <node>.params}), evaluates every network and the ensemble on the
     * test split, and returns the training result with those metrics filled in.
     *
     * @param runDir the run's files
     * @param data the run's data set, opened
     * @param outDir where images (the segmentation hard-case grid) go, or null
     */
    public static RunResult evaluate(Path runDir, LabeledImages data, Path outDir) throws IOException {
        EngineThreads.noGradOnThisThread();
        NDManager manager = NDManager.newBaseManager();
        RunFiles run;
        try {
            run = RunFiles.load(runDir, data, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        ExperimentSpec spec = run.spec();
        RunResult trained = run.trained();
        boolean seg = spec.task() == Task.SEGMENTATION;
        TrainingSpec t = spec.training();
        try (TrainedNetworks nets = new TrainedNetworks(manager, run.nets())) {
            Batches batches = new Batches(data, trained.normalization(), new Augmenter(spec.dataset().augmentation()));
            Map<String, NetworkResult> results = withTrainingOnly(new Evaluation(nets, batches, data,
                    t.batchSize(), t.ensembleRule()).test(seg, run.test(), BestEpochs.of(trained), outDir), node -> {
                        NetworkResult r = trained.networks().get(node);
                        return r == null ? null : r.trainingOnlyParameters();
                    });
            return trained.toBuilder().networks(results).build();
        }
    }

    private static TaskLoss taskLoss(TrainingSpec t, boolean seg) {
        return seg ? TaskLoss.segmentation(t.focalGamma()) : TaskLoss.CLASSIFICATION;
    }

    /** {@code results} with each network's edge-module parameter count from {@code count}. */
    private static Map<String, NetworkResult> withTrainingOnly(Map<String, NetworkResult> results,
            Function<String, Long> count) {
        Map<String, NetworkResult> out = new LinkedHashMap<>();
        results.forEach((node, r) -> out.put(node, r.withTrainingOnly(count.apply(node))));
        return out;
    }

    private static ExecutorService loaderPool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "kdml-loader");
            th.setDaemon(true);
            return th;
        });
    }

    /** Every network with only its best epoch and validation score (test metrics come later). */
    private static Map<String, NetworkResult> untested(DistillationSession session, BestEpochs best) {
        Map<String, NetworkResult> results = new LinkedHashMap<>();
        session.networks().forEach((node, net) -> results.put(node, best.untested(node, net)));
        return results;
    }

    private static Map<String, Object> dataLoading(LabeledImages data, Batches batches, EpochLoop loop,
            int trainImages, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainImages", trainImages);
        if (data instanceof DiskImages d) {
            m.put("cached", d.cached());
            m.put("openSeconds", d.verifySeconds());
            m.put("decodedImagesPerSecond", d.size() / Math.max(1e-9, d.verifySeconds()));
            m.put("skippedItems", d.skipped().size());
        }
        m.put("prepareSeconds", batches.prepareSeconds());
        m.put("waitSeconds", loop.waitSeconds());
        m.put("consumedImagesPerSecond", loop.trainedImages() / seconds);
        return m;
    }

    /** Writes the run's files; {@code result.json} last, so that a folder with one is complete. */
    private static void write(Path dir, DistillationSession session, RunResult result, Split split, LabeledImages data,
            ExperimentSpec spec) throws IOException {
        RunFiles.writeNetworks(dir, session);
        RunFiles.writeSplit(dir, split, data);
        RunFolder.writeSpec(dir, spec);
        RunFolder.writeResult(dir, result);
    }
}
