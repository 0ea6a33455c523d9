package org.kdml.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.Phase;
import org.kdml.spec.SharingGraph;
import org.kdml.results.EpochRecord;
import org.kdml.results.NetworkResult;
import org.kdml.results.RunResult;
import org.kdml.results.TeacherOrigin;

/**
 * A run's record so far: every epoch, and the best epoch and validation score of each network
 * (the score's first element is the metric; classification keeps the cross-entropy second to
 * break ties). What a training state saves and a resumed run starts from.
 */
final class BestEpochs {

    private final List<EpochRecord> history = new ArrayList<>();
    private final Map<String, Integer> bestEpoch = new LinkedHashMap<>();
    private final Map<String, double[]> best = new LinkedHashMap<>();
    private TeacherOrigin teacher;

    /** @return the best epochs and scores a trained run recorded, for evaluating it */
    static BestEpochs of(RunResult trained) {
        BestEpochs out = new BestEpochs();
        trained.networks().forEach((node, r) -> {
            out.bestEpoch.put(node, r.bestEpoch());
            out.best.put(node, new double[] {r.bestValAccuracy()});
        });
        return out;
    }

    /** Continues from a saved state: its history, best epochs and best scores. */
    void restore(TrainingState state) {
        history.addAll(state.history());
        bestEpoch.putAll(state.bestEpoch());
        state.best().forEach((k, v) -> best.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
        teacher = state.teacher();
    }

    /** @return where the frozen teacher came from, or null before it has one */
    TeacherOrigin teacher() {
        return teacher;
    }

    /** Records where the frozen teacher came from. */
    void teacher(TeacherOrigin origin) {
        teacher = origin;
    }

    /**
     * Takes the record of a teacher phase another run trained: its epochs, its best epoch and score.
     * Call it first, on an empty record.
     */
    void adopt(TrainedTeacher.Record phase) {
        if (!history.isEmpty()) {
            throw new IllegalStateException("a teacher's phase is adopted before any epoch of the run");
        }
        history.addAll(phase.history());
        keep(SharingGraph.TEACHER, phase.best().stream().mapToDouble(Double::doubleValue).toArray(), phase.bestEpoch());
    }

    /** @return the record of the teacher's phase just trained, for the runs that reuse it */
    TrainedTeacher.Record teacherPhase(String key, String runId, long trainedImages, int skippedUpdates) {
        List<EpochRecord> phase = history.stream().filter(r -> r.phase() == Phase.TEACHER).toList();
        return new TrainedTeacher.Record(key, runId, phase, bestEpoch(SharingGraph.TEACHER),
                Arrays.stream(best.get(SharingGraph.TEACHER)).boxed().toList(), trainedImages, skippedUpdates);
    }

    /** Adds an epoch to the history. */
    void add(EpochRecord epoch) {
        history.add(epoch);
    }

    /** @return every epoch so far (live) */
    List<EpochRecord> history() {
        return history;
    }

    /** @return the best score of {@code node} so far, or null before its first validation */
    double[] best(String node) {
        return best.get(node);
    }

    /** Records {@code score} at {@code epoch} as the best of {@code node}. */
    void keep(String node, double[] score, int epoch) {
        best.put(node, score);
        bestEpoch.put(node, epoch);
    }

    /** @return the best epoch of {@code node}, 0 when it was never validated */
    int bestEpoch(String node) {
        return bestEpoch.getOrDefault(node, 0);
    }

    /** @return the best validation metric of {@code node}, 0 when it was never validated */
    double bestScore(String node) {
        return best.containsKey(node) ? best.get(node)[0] : 0.0;
    }

    /** @return a network's result without test metrics: its best epoch and validation score */
    NetworkResult untested(String node, DistillNet net) {
        return new NetworkResult(net.architecture(), net.trainableParameterCount(), bestEpoch(node), bestScore(node),
                null, null, null);
    }

    /** @return the bookkeeping of a training state after {@code epoch} of {@code phase} */
    TrainingState state(Phase phase, int epoch, long trainedImages, double seconds,
            Map<String, Integer> skippedUpdates) {
        Map<String, List<Double>> boxed = new LinkedHashMap<>();
        best.forEach((k, v) -> boxed.put(k, Arrays.stream(v).boxed().toList()));
        return new TrainingState(phase, epoch, history, bestEpoch, boxed, trainedImages, seconds, skippedUpdates,
                teacher);
    }
}
