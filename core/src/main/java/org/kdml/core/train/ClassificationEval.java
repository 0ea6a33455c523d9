package org.kdml.core.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.results.ClassificationMetrics;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.EnsembleRule;
import org.kdml.spec.RunLayout;
import org.kdml.spec.SharingGraph;
import org.kdml.results.NetworkResult;
import org.kdml.results.TestPredictions;

/**
 * Classification evaluation: class probabilities of every network on a split, the students'
 * ensemble ({@link EnsembleRule}: their mean, or the paper's per-class maximum), validation accuracy with best-epoch snapshots, and test metrics
 * with fidelity to the teacher.
 */
final class ClassificationEval {

    private ClassificationEval() {
    }

    /**
     * Validates, and snapshots every node in {@code candidates} whose validation accuracy beats its
     * best so far (ties go to the lower validation cross-entropy).
     */
    static Map<String, Double> validate(Evaluation e, List<Integer> val, List<String> candidates, int epoch,
            BestEpochs best) {
        int classes = e.data().classes();
        int[] truth = val.stream().mapToInt(e.data()::label).toArray();
        Map<String, float[]> probs = probabilities(e, val);
        Map<String, Double> acc = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> p : probs.entrySet()) {
            String node = p.getKey();
            double a = ClassificationMetrics.of(truth, ClassificationMetrics.argmax(p.getValue(), classes), classes).accuracy();
            acc.put(node, a);
            if (candidates.contains(node)) {
                double nll = meanNll(p.getValue(), truth, classes);
                double[] b = best.best(node);
                if (b == null || a > b[0] || (a == b[0] && nll < b[1])) {
                    best.keep(node, new double[] {a, nll}, epoch);
                    e.keepBest().accept(node);
                }
            }
        }
        if (probs.size() > (probs.containsKey(SharingGraph.TEACHER) ? 2 : 1)) {
            acc.put(SharingGraph.ENSEMBLE,
                    ClassificationMetrics.of(truth, ClassificationMetrics.argmax(ensemble(probs, e.ensemble(), classes), classes), classes).accuracy());
        }
        return acc;
    }

    /**
     * Test metrics of every network and the ensemble, and their agreement with the teacher; with
     * {@code outDir}, every image's label, predicted classes and probabilities ({@link TestPredictions}).
     */
    static Map<String, NetworkResult> test(Evaluation e, List<Integer> test, BestEpochs best, Path outDir)
            throws IOException {
        int classes = e.data().classes();
        int[] truth = test.stream().mapToInt(e.data()::label).toArray();
        Map<String, float[]> probs = probabilities(e, test);
        int[] teacher = probs.containsKey(SharingGraph.TEACHER)
                ? ClassificationMetrics.argmax(probs.get(SharingGraph.TEACHER), classes) : null;
        Map<String, NetworkResult> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> p : probs.entrySet()) {
            String node = p.getKey();
            int[] pred = ClassificationMetrics.argmax(p.getValue(), classes);
            DistillNet net = e.inference().networks().get(node);
            Double fidelity = teacher == null || node.equals(SharingGraph.TEACHER) ? null
                    : ClassificationMetrics.agreement(pred, teacher);
            out.put(node, new NetworkResult(net.architecture(), net.trainableParameterCount(),
                    best.bestEpoch(node), best.bestScore(node),
                    ClassificationMetrics.of(truth, pred, p.getValue(), classes), null, fidelity)
                    .withImagenetParameters(net.imagenetParameterCount()));
        }
        // An ensemble needs two students or more (one student's "ensemble" would repeat its row).
        if (probs.size() > (probs.containsKey(SharingGraph.TEACHER) ? 2 : 1)) {
            float[] ensembleProbs = ensemble(probs, e.ensemble(), classes);
            int[] ens = ClassificationMetrics.argmax(ensembleProbs, classes);
            out.put(SharingGraph.ENSEMBLE, new NetworkResult(SharingGraph.ENSEMBLE, 0, 0, 0.0,
                    ClassificationMetrics.of(truth, ens, ensembleProbs, classes), null,
                    teacher == null ? null : ClassificationMetrics.agreement(ens, teacher)));
            probs.put(SharingGraph.ENSEMBLE, ensembleProbs);
        }
        if (outDir != null) {
            List<String> items = test.stream().map(e.data()::id).toList();
            new TestPredictions(items, truth, classes, probs).write(outDir.resolve(RunLayout.PREDICTIONS));
        }
        return out;
    }

    /** Class probabilities of every network on {@code indices}, by node name, row-major (N × C). */
    private static Map<String, float[]> probabilities(Evaluation e, List<Integer> indices) {
        int classes = e.data().classes();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String node : e.nodes()) {
            out.put(node, new float[indices.size() * classes]);
        }
        int offset = 0;
        NDManager root = e.inference().manager();
        for (List<Integer> b : Batches.plan(indices, e.batchSize(), null)) {
            try (NDManager step = root.newSubManager()) {
                Map<String, NDList> outs = e.inference().infer(e.batches().images(b, step), e.nodes());
                for (Map.Entry<String, NDList> o : outs.entrySet()) {
                    float[] p = o.getValue().get(0).softmax(1).toFloatArray();
                    System.arraycopy(p, 0, out.get(o.getKey()), offset * classes, p.length);
                }
            }
            offset += b.size();
        }
        return out;
    }

    /**
     * The students' ensemble probabilities (the teacher is left out), row-major (N × C): under
     * {@link EnsembleRule#MEAN} their mean; under {@link EnsembleRule#MAX} each class's highest
     * probability across the students, each row scaled to sum to 1 (the argmax, the prediction, is
     * that of the maxima). Two students, one image, three classes: (0.6, 0.3, 0.1) and (0.1, 0.5,
     * 0.4) give the mean (0.35, 0.4, 0.25), class 1, and the maxima (0.6, 0.5, 0.4) → (0.4, 0.333,
     * 0.267), class 0.
     */
    static float[] ensemble(Map<String, float[]> probs, EnsembleRule rule, int classes) {
        float[] out = null;
        int n = 0;
        for (Map.Entry<String, float[]> e : probs.entrySet()) {
            if (e.getKey().equals(SharingGraph.TEACHER)) {
                continue;
            }
            float[] p = e.getValue();
            if (out == null) {
                out = new float[p.length];
                if (rule == EnsembleRule.MAX) {
                    Arrays.fill(out, Float.NEGATIVE_INFINITY);
                }
            }
            for (int i = 0; i < p.length; i++) {
                out[i] = rule == EnsembleRule.MAX ? Math.max(out[i], p[i]) : out[i] + p[i];
            }
            n++;
        }
        if (out == null) {
            throw new IllegalArgumentException("an ensemble needs a student, got " + probs.keySet());
        }
        if (rule == EnsembleRule.MEAN) {
            for (int i = 0; i < out.length; i++) {
                out[i] /= n;
            }
        } else {
            for (int r = 0; r < out.length / classes; r++) {
                float sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += out[r * classes + c];
                }
                for (int c = 0; c < classes; c++) {
                    out[r * classes + c] /= sum;
                }
            }
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
}
