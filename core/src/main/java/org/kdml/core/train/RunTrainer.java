package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.kdml.core.data.Augmenter;
import org.kdml.core.data.Balancing;
import org.kdml.core.data.DiskImages;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Normalization;
import org.kdml.core.data.Split;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.metrics.ClassificationMetrics;
import org.kdml.core.metrics.SegmentationMetrics;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.PretrainedWeights;
import org.kdml.spec.Edge;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Phase;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;

/**
 * Trains one run end to end, in process: split, networks, the teacher's own phase when it is
 * frozen, joint epochs with validation, best epoch per network, test metrics for every network and
 * the ensemble, then checkpoints and {@code result.json} in the run's folder.
 */
public final class RunTrainer {

    /** Name of the ensemble in results. */
    public static final String ENSEMBLE = "ensemble";

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
        ExperimentSpec spec = run.spec();
        TrainingSpec t = spec.training();
        SharingGraph graph = run.variant().graph();
        DistillationSession.noGradOnThisThread();
        NetworkSet.seedEngine(run.seed());
        Split split = Split.of(data, spec.dataset().trainFraction(), spec.dataset().valFraction(), run.seed());
        List<Integer> train = Balancing.apply(spec.dataset().balance(), data, split.train(), run.seed());
        Normalization norm = Normalization.fit(data, split.train());
        Batches batches = new Batches(data, norm, new Augmenter(spec.dataset().augmentation()));
        int threads = spec.dataset().loaderThreads() != null ? spec.dataset().loaderThreads()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "kdml-loader");
            th.setDaemon(true);
            return th;
        });
        List<EpochRecord> history = new ArrayList<>();
        Map<String, Integer> bestEpoch = new LinkedHashMap<>();
        Map<String, double[]> best = new LinkedHashMap<>();
        long start = System.nanoTime();
        String graphField = run.variant().key().equals("custom") ? "sharing" : "students";
        NDManager manager = NDManager.newBaseManager();
        boolean seg = spec.task() == Task.SEGMENTATION;
        Map<String, DistillNet> nets = NetworkSet.buildSeeded(run.seed(), spec.task(), spec.teacher(), spec.students(),
                graph, graphField, data.classes(), data.imageSize(), manager);
        TaskLoss taskLoss = seg ? TaskLoss.segmentation(t.focalGamma()) : TaskLoss.CLASSIFICATION;
        try (DistillationSession session = new DistillationSession(manager, graph, nets, t.learningRate(), t.alpha(),
                t.temperature(), taskLoss)) {
            Epochs loop = new Epochs(run, session, batches, train, split, data, t.batchSize(), listener,
                    manager, pool, 2 * threads, history, best, bestEpoch, checkpoints);
            for (Map.Entry<String, String> w : spec.weights().entrySet()) {
                if (nets.containsKey(w.getKey())) {
                    PretrainedWeights.load(nets.get(w.getKey()), Path.of(w.getValue()));
                }
            }
            TrainingState resumed = TrainingState.load(checkpoints.resume(), session);
            double before = 0;
            if (resumed != null) {
                history.addAll(resumed.history());
                bestEpoch.putAll(resumed.bestEpoch());
                resumed.best().forEach((k, v) -> best.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
                loop.trainedImages = resumed.trainedImages();
                before = resumed.seconds();
                session.restoreSkipped(resumed.skippedUpdates());
                listener.onWarning("resumed " + run.runId() + " after " + resumed.phase() + " epoch " + resumed.epoch());
            }
            loop.secondsBefore = before;
            loop.start = start;
            boolean jointResumed = resumed != null && resumed.phase() == Phase.JOINT;
            if (graph.teacher() == TeacherTraining.FROZEN) {
                int from = resumed == null ? 1 : jointResumed ? t.teacherEpochs() + 1 : resumed.epoch() + 1;
                loop.run(Phase.TEACHER, from, t.teacherEpochs(), List.of(SharingGraph.TEACHER), session::teacherStep);
                session.restore(SharingGraph.TEACHER);
                session.freezeTeacher();
            }
            List<String> trainable = session.trainableNodes();
            loop.run(Phase.JOINT, jointResumed ? resumed.epoch() + 1 : 1, t.epochs(), trainable, session::jointStep);
            for (String node : trainable) {
                session.restore(node);
            }
            double seconds = before + (System.nanoTime() - start) / 1e9;
            Map<String, NetworkResult> results;
            if (!test) {
                results = new LinkedHashMap<>();
                for (Map.Entry<String, DistillNet> e : session.networks().entrySet()) {
                    String node = e.getKey();
                    results.put(node, new NetworkResult(e.getValue().architecture(),
                            e.getValue().trainableParameterCount(), bestEpoch.getOrDefault(node, 0),
                            best.containsKey(node) ? best.get(node)[0] : 0.0, null, null, null));
                }
            } else {
                results = seg
                        ? testSegmentation(session, batches, split.test(), data, t.batchSize(), bestEpoch, best, manager,
                                runDir)
                        : test(session, batches, split.test(), data, t.batchSize(), bestEpoch, best);
            }
            List<String> edges = graph.edges().stream().map(Edge::toString).toList();
            RunResult result = new RunResult(run.runId(), run.experiment(), run.variant().key(), run.seed(),
                    graph.teacher().key(), edges, results, history,
                    Map.of("train", split.train().size(), "val", split.val().size(), "test", split.test().size()),
                    norm, seconds, loop.trainedImages / seconds, dataLoading(data, batches, loop, train.size(), seconds),
                    session.skippedUpdates(),
                    Provenance.current(run.runId(), run.specHash(), run.seed(), data, attempt));
            if (runDir != null) {
                write(runDir, session, result, split, data, spec);
            }
            return result;
        } finally {
            pool.shutdownNow();
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
        DistillationSession.noGradOnThisThread();
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
        Map<String, Integer> bestEpoch = new LinkedHashMap<>();
        Map<String, double[]> best = new LinkedHashMap<>();
        trained.networks().forEach((node, r) -> {
            bestEpoch.put(node, r.bestEpoch());
            best.put(node, new double[] {r.bestValAccuracy()});
        });
        boolean seg = spec.task() == Task.SEGMENTATION;
        TrainingSpec t = spec.training();
        List<Integer> testSplit = run.test();
        org.kdml.spec.Variant variant = run.variant();
        Map<String, DistillNet> nets = run.nets();
        TaskLoss taskLoss = seg ? TaskLoss.segmentation(t.focalGamma()) : TaskLoss.CLASSIFICATION;
        try (DistillationSession session = new DistillationSession(manager, variant.graph(), nets, t.learningRate(),
                t.alpha(), t.temperature(), taskLoss)) {
            Batches batches = new Batches(data, trained.normalization(), new Augmenter(spec.dataset().augmentation()));
            Map<String, NetworkResult> results = seg
                    ? testSegmentation(session, batches, testSplit, data, t.batchSize(), bestEpoch, best, manager, outDir)
                    : test(session, batches, testSplit, data, t.batchSize(), bestEpoch, best);
            return new RunResult(trained.runId(), trained.experiment(), trained.variant(), trained.seed(),
                    trained.teacherTraining(), trained.edges(), results, trained.history(), trained.splitSizes(),
                    trained.normalization(), trained.trainSeconds(), trained.imagesPerSecond(), trained.dataLoading(),
                    trained.skippedUpdates(), trained.provenance());
        }
    }

    private static Map<String, Object> dataLoading(LabeledImages data, Batches batches, Epochs loop, int trainImages,
            double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainImages", trainImages);
        if (data instanceof DiskImages d) {
            m.put("cached", d.cached());
            m.put("openSeconds", d.verifySeconds());
            m.put("decodedImagesPerSecond", d.size() / Math.max(1e-9, d.verifySeconds()));
            m.put("skippedItems", d.skipped().size());
        }
        m.put("prepareSeconds", batches.prepareSeconds());
        m.put("waitSeconds", loop.waitSeconds);
        m.put("consumedImagesPerSecond", loop.trainedImages / seconds);
        return m;
    }

    /** The epoch loop shared by the teacher's own phase and the joint phase. */
    private static final class Epochs {
        private final RunSpec run;
        private final List<Integer> train;
        private final ExecutorService pool;
        private final int depth;
        private double waitSeconds;
        private final String runId;
        private final DistillationSession session;
        private final Batches batches;
        private final Split split;
        private final LabeledImages data;
        private final int batchSize;
        private final Checkpointer checkpoints;
        private final TrainingListener listener;
        private final NDManager manager;
        private final List<EpochRecord> history;
        private final Map<String, double[]> best;
        private final Map<String, Integer> bestEpoch;
        private long trainedImages;
        private double secondsBefore;
        private long start;

        Epochs(RunSpec run, DistillationSession session, Batches batches, List<Integer> train, Split split,
                LabeledImages data, int batchSize, TrainingListener listener, NDManager manager,
                ExecutorService pool, int depth, List<EpochRecord> history, Map<String, double[]> best,
                Map<String, Integer> bestEpoch, Checkpointer checkpoints) {
            this.run = run;
            this.runId = run.runId();
            this.train = train;
            this.pool = pool;
            this.depth = depth;
            this.session = session;
            this.batches = batches;
            this.split = split;
            this.data = data;
            this.batchSize = batchSize;
            this.checkpoints = checkpoints;
            this.listener = listener;
            this.manager = manager;
            this.history = history;
            this.best = best;
            this.bestEpoch = bestEpoch;
        }

        /** Trains {@code epochs} epochs with {@code step}, validating and keeping the best of {@code candidates}. */
        void run(Phase phase, int from, int epochs, List<String> candidates,
                BiFunction<NDArray, NDArray, Map<String, Double>> step) throws IOException {
            for (int epoch = from; epoch <= epochs; epoch++) {
                long e0 = System.nanoTime();
                Map<String, Double> sums = new LinkedHashMap<>();
                Map<String, Integer> counts = new HashMap<>();
                long epochKey = run.seed() * 1_000_003L + (phase == Phase.TEACHER ? 500_009L : 0) + epoch * 10_007L;
                // The order of an epoch depends only on the seed, the phase and the epoch, so a resumed run
                // sees the same batches as one that never stopped.
                List<List<Integer>> plan = Batches.plan(train, batchSize, new Random(epochKey));
                try (Prefetcher ahead = new Prefetcher(pool, plan.size(), depth,
                        i -> batches.prepare(plan.get(i), epochKey * 65_537L + i))) {
                    for (int s = 0; s < plan.size(); s++) {
                        float[][] prepared = ahead.next();
                        int n = plan.get(s).size();
                        try (NDManager stepManager = manager.newSubManager()) {
                            NDArray targets = prepared[1] != null ? batches.maskArray(prepared[1], n, stepManager)
                                    : batches.labels(plan.get(s), stepManager);
                            Map<String, Double> m = step.apply(batches.toArray(prepared[0], n, stepManager), targets);
                            m.forEach((k, v) -> {
                                sums.merge(k, v, Double::sum);
                                counts.merge(k, 1, Integer::sum);
                            });
                            listener.onStep(runId, phase, epoch, epochs, s + 1, plan.size(), m);
                        }
                        trainedImages += plan.get(s).size();
                    }
                    waitSeconds += ahead.waitSeconds();
                }
                Map<String, Double> val = data.hasMasks()
                        ? validateSegmentation(session, batches, split.val(), data, batchSize, candidates, epoch, best,
                                bestEpoch, manager)
                        : validate(session, batches, split.val(), data, batchSize, candidates, epoch, best, bestEpoch);
                EpochRecord rec = new EpochRecord(phase, epoch, mean(sums, counts), val,
                        (System.nanoTime() - e0) / 1e9);
                history.add(rec);
                listener.onEpoch(runId, rec);
                int every = checkpoints.every();
                if (every > 0 && (epoch % every == 0 || epoch == epochs)) {
                    Path dir = Files.createTempDirectory("kdml-state-");
                    try {
                        session.saveState(dir);
                        new TrainingState(phase, epoch, history, bestEpoch, boxed(best), trainedImages,
                                secondsBefore + (System.nanoTime() - start) / 1e9, session.skippedUpdates())
                                .write(dir);
                        checkpoints.save(dir, phase, epoch);
                    } finally {
                        TrainingState.deleteTree(dir);
                    }
                }
            }
        }
    }

    private static Map<String, List<Double>> boxed(Map<String, double[]> best) {
        Map<String, List<Double>> out = new LinkedHashMap<>();
        best.forEach((k, v) -> out.put(k, java.util.Arrays.stream(v).boxed().toList()));
        return out;
    }

    /** Per-term mean over the steps that reported it (a skipped step reports nothing). */
    private static Map<String, Double> mean(Map<String, Double> sums, Map<String, Integer> counts) {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, v) -> out.put(k, v / counts.get(k)));
        return out;
    }

    /** Class probabilities of every network on {@code indices}, by node name, row-major (N × C). */
    private static Map<String, float[]> probabilities(DistillationSession session, Batches batches,
            List<Integer> indices, int classes, int batchSize) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String node : session.networks().keySet()) {
            out.put(node, new float[indices.size() * classes]);
        }
        int offset = 0;
        NDManager root = session.manager();
        for (List<Integer> b : Batches.plan(indices, batchSize, null)) {
            try (NDManager step = root.newSubManager()) {
                Map<String, NDList> outs = session.infer(batches.images(b, step));
                for (Map.Entry<String, NDList> e : outs.entrySet()) {
                    float[] p = e.getValue().get(0).softmax(1).toFloatArray();
                    System.arraycopy(p, 0, out.get(e.getKey()), offset * classes, p.length);
                }
            }
            offset += b.size();
        }
        return out;
    }

    private static float[] ensemble(Map<String, float[]> probs) {
        float[] sum = null;
        int n = 0;
        for (Map.Entry<String, float[]> e : probs.entrySet()) {
            if (e.getKey().equals(SharingGraph.TEACHER)) {
                continue;
            }
            float[] p = e.getValue();
            if (sum == null) {
                sum = new float[p.length];
            }
            for (int i = 0; i < p.length; i++) {
                sum[i] += p[i];
            }
            n++;
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        return sum;
    }

    static int[] argmax(float[] probs, int classes) {
        int[] out = new int[probs.length / classes];
        for (int i = 0; i < out.length; i++) {
            int bestClass = 0;
            for (int c = 1; c < classes; c++) {
                if (probs[i * classes + c] > probs[i * classes + bestClass]) {
                    bestClass = c;
                }
            }
            out[i] = bestClass;
        }
        return out;
    }

    private static double meanNll(float[] probs, int[] truth, int classes) {
        double s = 0;
        for (int i = 0; i < truth.length; i++) {
            s -= Math.log(Math.max(probs[i * classes + truth[i]], 1e-12f));
        }
        return s / truth.length;
    }

    /**
     * Validates, and snapshots every node in {@code candidates} whose validation accuracy beats its
     * best so far (ties go to the lower validation cross-entropy).
     */
    private static Map<String, Double> validate(DistillationSession session, Batches batches, List<Integer> val,
            LabeledImages data, int batchSize, List<String> candidates, int epoch, Map<String, double[]> best,
            Map<String, Integer> bestEpoch) {
        int classes = data.classes();
        int[] truth = val.stream().mapToInt(data::label).toArray();
        Map<String, float[]> probs = probabilities(session, batches, val, classes, batchSize);
        Map<String, Double> acc = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : probs.entrySet()) {
            String node = e.getKey();
            double a = ClassificationMetrics.of(truth, argmax(e.getValue(), classes), classes).accuracy();
            acc.put(node, a);
            if (candidates.contains(node)) {
                double nll = meanNll(e.getValue(), truth, classes);
                double[] b = best.get(node);
                if (b == null || a > b[0] || (a == b[0] && nll < b[1])) {
                    best.put(node, new double[] {a, nll});
                    bestEpoch.put(node, epoch);
                    session.snapshot(node);
                }
            }
        }
        if (probs.size() > (probs.containsKey(SharingGraph.TEACHER) ? 2 : 1)) {
            acc.put(ENSEMBLE, ClassificationMetrics.of(truth, argmax(ensemble(probs), classes), classes).accuracy());
        }
        return acc;
    }

    /** Validates by IoU on the validation split, keeping the best of {@code candidates} (ties: earlier). */
    private static Map<String, Double> validateSegmentation(DistillationSession session, Batches batches,
            List<Integer> val, LabeledImages data, int batchSize, List<String> candidates, int epoch,
            Map<String, double[]> best, Map<String, Integer> bestEpoch, NDManager manager) {
        Map<String, SegmentationMetrics> m = SegmentationEval.metrics(
                SegmentationEval.predict(session, batches, val, data, batchSize, manager));
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((node, metrics) -> out.put(node, metrics.iou()));
        for (String node : candidates) {
            double iou = m.get(node).iou();
            double[] b = best.get(node);
            if (b == null || iou > b[0]) {
                best.put(node, new double[] {iou});
                bestEpoch.put(node, epoch);
                session.snapshot(node);
            }
        }
        return out;
    }

    /** Test metrics of every network and both ensembles, fidelity to the teacher, and the hardest-images grid. */
    private static Map<String, NetworkResult> testSegmentation(DistillationSession session, Batches batches,
            List<Integer> test, LabeledImages data, int batchSize, Map<String, Integer> bestEpoch,
            Map<String, double[]> best, NDManager manager, Path runDir) throws IOException {
        SegmentationEval.Predictions p = SegmentationEval.predict(session, batches, test, data, batchSize, manager);
        boolean teacher = p.probs().containsKey(SharingGraph.TEACHER);
        Map<String, NetworkResult> out = new LinkedHashMap<>();
        for (Map.Entry<String, SegmentationMetrics> e : SegmentationEval.metrics(p).entrySet()) {
            String node = e.getKey();
            DistillNet net = session.networks().get(node);
            Double fidelity = !teacher || node.equals(SharingGraph.TEACHER) ? null
                    : SegmentationEval.agreementWithTeacher(p, node);
            out.put(node, new NetworkResult(net == null ? node : net.architecture(),
                    net == null ? 0 : net.trainableParameterCount(), bestEpoch.getOrDefault(node, 0),
                    best.containsKey(node) ? best.get(node)[0] : 0.0, null, e.getValue(), fidelity));
        }
        if (runDir != null) {
            Files.createDirectories(runDir);
            SegmentationEval.hardestGrid(p, data, 8, RunFiles.hardest(runDir));
        }
        return out;
    }

    private static Map<String, NetworkResult> test(DistillationSession session, Batches batches, List<Integer> test,
            LabeledImages data, int batchSize, Map<String, Integer> bestEpoch, Map<String, double[]> best) {
        int classes = data.classes();
        int[] truth = test.stream().mapToInt(data::label).toArray();
        Map<String, float[]> probs = probabilities(session, batches, test, classes, batchSize);
        int[] teacher = probs.containsKey(SharingGraph.TEACHER)
                ? argmax(probs.get(SharingGraph.TEACHER), classes) : null;
        Map<String, NetworkResult> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : probs.entrySet()) {
            String node = e.getKey();
            int[] pred = argmax(e.getValue(), classes);
            DistillNet net = session.networks().get(node);
            Double fidelity = teacher == null || node.equals(SharingGraph.TEACHER) ? null
                    : ClassificationMetrics.agreement(pred, teacher);
            out.put(node, new NetworkResult(net.architecture(), net.trainableParameterCount(),
                    bestEpoch.getOrDefault(node, 0), best.containsKey(node) ? best.get(node)[0] : 0.0,
                    ClassificationMetrics.of(truth, pred, e.getValue(), classes), null, fidelity));
        }
        float[] ensembleProbs = ensemble(probs);
        int[] ens = argmax(ensembleProbs, classes);
        out.put(ENSEMBLE, new NetworkResult(ENSEMBLE, 0, 0, 0.0,
                ClassificationMetrics.of(truth, ens, ensembleProbs, classes), null,
                teacher == null ? null : ClassificationMetrics.agreement(ens, teacher)));
        return out;
    }

    /** Writes the run's files; {@code result.json} last, so that a folder with one is complete. */
    private static void write(Path dir, DistillationSession session, RunResult result, Split split, LabeledImages data,
            ExperimentSpec spec) throws IOException {
        RunFiles.writeNetworks(dir, session);
        RunFiles.writeSplit(dir, split, data);
        RunFiles.writeSpec(dir, spec);
        RunFiles.writeResult(dir, result);
    }
}
