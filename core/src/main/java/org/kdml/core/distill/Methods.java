package org.kdml.core.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.loss.EdgeTerm;
import org.kdml.core.loss.MethodTerms;
import org.kdml.core.loss.NodeLoss;
import org.kdml.core.loss.SegMethodTerms;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.EdgeModuleSet;
import org.kdml.core.model.EdgeModules;
import org.kdml.core.model.KdNetwork;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.Edge;
import org.kdml.spec.Knowledge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.SpecException;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;

/**
 * The registry of knowledge kinds: for every edge of a graph, the term it adds to its learner's
 * loss and the trainable module it owns (docs/method.md, "Existing methods"). kdml's two styles
 * have no module; FitNets, VID and SRRL put theirs in the learner's {@link EdgeModuleSet};
 * SimKD's projector is part of the deployed student ({@code SimKdStudent}, built by
 * {@code NetworkSet}). Where each method reads the networks: classification methods read the
 * four stages (a ResNet's layer1..layer4), the last stage, or the logits; segmentation methods
 * read a U-Net's logits, its shared decoder feature (the first decoder block, stride 16) and its
 * encoder taps (stage1 = stride 4 as "low", stage4 = stride 32 as "high"); DSD reads the shared
 * feature and the logits as its two levels.
 */
public final class Methods {

    private Methods() {
    }

    /**
     * The terms and modules of a run.
     *
     * @param terms each learner's terms, one per incoming edge in graph order
     * @param modules each learner's edge modules (only learners with at least one)
     * @param adversaries SKD's discriminators, each with an optimiser of its own
     */
    public record Built(Map<String, List<EdgeTerm>> terms, Map<String, EdgeModuleSet> modules,
            List<Adversary> adversaries) {

        /** Terms and modules without discriminators. */
        public Built(Map<String, List<EdgeTerm>> terms, Map<String, EdgeModuleSet> modules) {
            this(terms, modules, List.of());
        }
    }

    /**
     * kdml's two styles on every edge, without modules: what a session needs to train a graph of
     * predictions and feature edges alone. An edge that carries an existing method gets a term that
     * refuses to run (such a session only evaluates: its modules were not built).
     *
     * @param temperature T of prediction terms
     */
    public static Built styles(SharingGraph graph, double temperature, TaskLoss taskLoss) {
        Map<String, List<EdgeTerm>> terms = new LinkedHashMap<>();
        for (String node : graph.nodes()) {
            List<EdgeTerm> list = new ArrayList<>();
            for (Edge e : graph.edgesInto(node)) {
                list.add(e.knowledge().isMethod() ? (outputs, labels, ps, training) -> {
                    throw new IllegalStateException("edge " + e + ": this session was built without its module");
                } : NodeLoss.styles(List.of(e), temperature, taskLoss).get(0));
            }
            terms.put(node, list);
        }
        return new Built(terms, Map.of());
    }

    /**
     * Builds every edge's term and module. Modules are initialised here: call it where the run's
     * initialisation is seeded.
     *
     * @param nets the run's networks, initialised
     * @param imageSize the input side, to learn the shapes the modules join
     * @param manager where module parameters live
     */
    public static Built build(SharingGraph graph, Map<String, DistillNet> nets, TrainingSpec training,
            TaskLoss taskLoss, int imageSize, NDManager manager) {
        // kdml's own styles need no shapes: only a graph with a method runs the networks once to learn them.
        Map<String, List<Shape>> shapes = graph.edges().stream().anyMatch(e -> e.knowledge().isMethod())
                ? shapes(nets, imageSize, manager) : Map.of();
        Map<String, List<EdgeTerm>> terms = new LinkedHashMap<>();
        Map<String, EdgeModuleSet> modules = new LinkedHashMap<>();
        List<Adversary> adversaries = new ArrayList<>();
        Context context = new Context(graph, nets, shapes, training, taskLoss, adversaries, manager);
        for (String node : graph.nodes()) {
            EdgeModuleSet set = new EdgeModuleSet();
            List<EdgeTerm> list = new ArrayList<>();
            for (Edge e : graph.edgesInto(node)) {
                list.add(term(context, e, set));
            }
            terms.put(node, list);
            if (!set.isEmpty()) {
                modules.put(node, set);
            }
        }
        return new Built(terms, modules, adversaries);
    }

    /** Every network's output shapes at batch 2 ({@code [logits, feature, stage1..stage4]}). */
    private static Map<String, List<Shape>> shapes(Map<String, DistillNet> nets, int imageSize, NDManager manager) {
        Map<String, List<Shape>> out = new LinkedHashMap<>();
        try (NDManager tmp = manager.newSubManager()) {
            NDArray x = tmp.zeros(new Shape(2, 3, imageSize, imageSize));
            ParameterStore ps = new ParameterStore(tmp, false);
            for (Map.Entry<String, DistillNet> n : nets.entrySet()) {
                List<Shape> s = new ArrayList<>();
                for (NDArray a : n.getValue().forward(ps, new NDList(x), false)) {
                    s.add(a.getShape());
                }
                out.put(n.getKey(), s);
            }
        }
        return out;
    }

    /**
     * What every edge's term is built from.
     *
     * @param graph the run's sharing graph
     * @param nets its networks, initialised
     * @param shapes every network's output shapes (empty when no edge carries a method)
     * @param training the training spec (each method's parameters, the temperature, the batch size)
     * @param taskLoss the task's loss and prediction term
     * @param adversaries where SKD's discriminators are collected
     * @param manager where module parameters live
     */
    private record Context(SharingGraph graph, Map<String, DistillNet> nets, Map<String, List<Shape>> shapes,
            TrainingSpec training, TaskLoss taskLoss, List<Adversary> adversaries, NDManager manager) {
    }

    /** The term of edge {@code e}, its modules added to {@code set} (the learner's). */
    private static EdgeTerm term(Context c, Edge e, EdgeModuleSet set) {
        SharingGraph graph = c.graph();
        Map<String, DistillNet> nets = c.nets();
        TrainingSpec training = c.training();
        NDManager manager = c.manager();
        Knowledge k = e.knowledge();
        if (!k.isMethod()) {
            return NodeLoss.styles(List.of(e), training.temperature(), c.taskLoss()).get(0);
        }
        Map<String, Double> p = training.methodParams(k);
        if (k.reusesTeacherClassifier()
                && (!e.from().equals(SharingGraph.TEACHER) || graph.teacher() != TeacherTraining.FROZEN)) {
            throw new SpecException("training.teacherTraining", "edge " + e + ": " + k.key() + " reuses the"
                    + " teacher's classifier, which must be frozen (teacherTraining: frozen, or a methods variant)");
        }
        String from = e.from();
        String to = e.to();
        List<Shape> src = c.shapes().get(from);
        List<Shape> dst = c.shapes().get(to);
        return switch (k) {
            case FITNET -> fitnet(e, p, src, dst, set, manager);
            case AT -> (out, y, ps, tr) -> MethodTerms.attentionTransfer(stages(out.get(from)), stages(out.get(to)),
                    p.get("p"));
            case SP -> (out, y, ps, tr) -> MethodTerms.similarityPreserving(last(out.get(from)), last(out.get(to)));
            case VID -> vid(e, p, src, dst, set, manager);
            case SRRL -> srrl(e, nets, src, dst, set, manager);
            case SIMKD -> simkd(e, nets, src, dst);
            case SEMCKD -> semckd(e, p, src, dst, training.batchSize(), set, manager);
            case CWD -> (out, y, ps, tr) -> SegMethodTerms.cwd(out.get(from).get(0), out.get(to).get(0), p.get("tau"));
            case IFVD -> (out, y, ps, tr) -> Tensors.mul(SegMethodTerms.ifvd(out.get(from).get(1),
                    out.get(to).get(1), y), p.get("variation")).add(Tensors.mul(SegMethodTerms.pixelKl(
                    out.get(from).get(0), out.get(to).get(0), p.get("temperature")), p.get("pixel")));
            case DSD -> dsd(from, to, p);
            case EMKD -> emkd(from, to, p);
            case SKD -> skd(e, p, dst, c.adversaries(), manager);
            case PREDICTIONS, FEATURES -> throw new IllegalStateException("not a method: " + k);
        };
    }

    private static EdgeTerm fitnet(Edge e, Map<String, Double> p, List<Shape> src, List<Shape> dst,
            EdgeModuleSet set, NDManager manager) {
        int stage = (int) Math.round(p.get("stage"));
        int i = DistillNet.FIRST_STAGE + stage - 1;
        Shape s = dst.get(i);
        Shape t = src.get(i);
        Block regressor = set.add(e.termName(), EdgeModules.fitnetRegressor((int) t.get(1), s.get(2), t.get(2)),
                manager, s);
        return (out, y, ps, tr) -> {
            NDArray r = regressor.forward(ps, new NDList(out.get(e.to()).get(i)), tr).singletonOrThrow();
            return MethodTerms.mse(out.get(e.from()).get(i), r);
        };
    }

    private static EdgeTerm vid(Edge e, Map<String, Double> p, List<Shape> src, List<Shape> dst, EdgeModuleSet set,
            NDManager manager) {
        List<Block> regressors = new ArrayList<>();
        List<Block> variances = new ArrayList<>();
        for (int l = 0; l < DistillNet.STAGES; l++) {
            int i = DistillNet.FIRST_STAGE + l;
            Shape s = dst.get(i);
            Shape t = src.get(i);
            Shape in = new Shape(s.get(0), s.get(1), t.get(2), t.get(3));
            regressors.add(set.add(e.termName() + ".mean" + (l + 1), EdgeModules.vidRegressor((int) t.get(1)),
                    manager, in));
            variances.add(set.add(e.termName() + ".variance" + (l + 1), EdgeModules.vidVariance((int) t.get(1),
                    p.get("initVariance"), p.get("eps")), manager, in));
        }
        double eps = p.get("eps");
        return (out, y, ps, tr) -> {
            NDArray sum = null;
            for (int l = 0; l < DistillNet.STAGES; l++) {
                int i = DistillNet.FIRST_STAGE + l;
                NDArray t = out.get(e.from()).get(i);
                NDArray s = pooledTo(out.get(e.to()).get(i), t.getShape().get(2), e);
                NDArray mean = regressors.get(l).forward(ps, new NDList(s), tr).singletonOrThrow();
                NDArray scale = variances.get(l).forward(ps, new NDList(s), tr).singletonOrThrow();
                NDArray term = MethodTerms.vid(mean, t, scale, eps);
                sum = sum == null ? term : sum.add(term);
            }
            return sum;
        };
    }

    private static EdgeTerm srrl(Edge e, Map<String, DistillNet> nets, List<Shape> src, List<Shape> dst,
            EdgeModuleSet set, NDManager manager) {
        DistillNet teacher = nets.get(e.from());
        if (!(teacher instanceof KdNetwork)) {
            throw new SpecException("sharing", "edge " + e + ": srrl needs a teacher with a classifier");
        }
        int tc = (int) src.get(1).get(1);
        Shape last = dst.get(DistillNet.FIRST_STAGE + DistillNet.STAGES - 1);
        Block connector = set.add(e.termName(), EdgeModules.srrlConnector(tc), manager,
                new Shape(last.get(0), last.get(1), 1, 1));
        return (out, y, ps, tr) -> {
            NDArray s = Pool.globalAvgPool2d(last(out.get(e.to()))).expandDims(2).expandDims(3);
            NDArray c = connector.forward(ps, new NDList(s), tr).singletonOrThrow();
            // The teacher's classifier is frozen (srrl edges come from a frozen teacher): the gradient reaches c only.
            NDArray predicted = teacher.classify(ps, c, false);
            NDArray target = Pool.globalAvgPool2d(out.get(e.from()).get(1));
            return MethodTerms.srrl(c.squeeze(new int[] {2, 3}), target, predicted, out.get(e.from()).get(0));
        };
    }

    /**
     * SemCKD: a projector per (student stage i, teacher stage j) onto the teacher's channels at the
     * smaller of the two sides (the larger map average-pooled), and per-sample attention over the
     * teacher stages from query / key embeddings of the batch's similarity matrices. The embeddings
     * read a row of a B×B matrix, so they fit the spec's batch size; a batch of another size (an
     * epoch's last, shorter one) weighs the teacher stages uniformly, and its embeddings learn
     * nothing from it.
     */
    private static EdgeTerm semckd(Edge e, Map<String, Double> p, List<Shape> src, List<Shape> dst, int batch,
            EdgeModuleSet set, NDManager manager) {
        int n = DistillNet.STAGES;
        int dim = Math.max(1, batch / (int) Math.round(p.get("factor")));
        int maxWidth = (int) Math.round(p.get("maxWidth"));
        List<Block> queries = new ArrayList<>();
        List<Block> keys = new ArrayList<>();
        List<Block> projectors = new ArrayList<>();
        for (int l = 0; l < n; l++) {
            queries.add(set.add(e.termName() + ".query" + (l + 1), EdgeModules.semckdEmbedding(dim), manager,
                    new Shape(batch, batch)));
            keys.add(set.add(e.termName() + ".key" + (l + 1), EdgeModules.semckdEmbedding(dim), manager,
                    new Shape(batch, batch)));
        }
        for (int i = 0; i < n; i++) {
            Shape s = dst.get(DistillNet.FIRST_STAGE + i);
            for (int j = 0; j < n; j++) {
                Shape t = src.get(DistillNet.FIRST_STAGE + j);
                long side = Math.min(s.get(2), t.get(2));
                int tc = (int) t.get(1);
                projectors.add(set.add(e.termName() + ".proj" + (i + 1) + (j + 1), EdgeModules.semckdProjector(
                        Math.min(2 * tc, maxWidth), tc), manager, new Shape(s.get(0), s.get(1), side, side)));
            }
        }
        return (out, y, ps, tr) -> {
            List<NDArray> s = stages(out.get(e.to()));
            List<NDArray> t = stages(out.get(e.from()));
            long b = s.get(0).getShape().get(0);
            NDArray attention;
            if (b == batch) {
                List<NDArray> q = new ArrayList<>();
                List<NDArray> k = new ArrayList<>();
                for (int l = 0; l < n; l++) {
                    q.add(MethodTerms.l2RowNormalize(queries.get(l).forward(ps, new NDList(MethodTerms.gram(s.get(l))),
                            tr).singletonOrThrow()));
                    k.add(MethodTerms.l2RowNormalize(keys.get(l).forward(ps, new NDList(MethodTerms.gram(
                            t.get(l).stopGradient())), tr).singletonOrThrow()));
                }
                attention = MethodTerms.semckdAttention(q, k, 1.0);
            } else {
                attention = Tensors.div(s.get(0).getManager().ones(new Shape(b, n, n)), n);
            }
            List<NDArray> projected = new ArrayList<>();
            List<NDArray> targets = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    long side = Math.min(s.get(i).getShape().get(2), t.get(j).getShape().get(2));
                    projected.add(projectors.get(i * n + j).forward(ps, new NDList(pooledTo(s.get(i), side, e)), tr)
                            .singletonOrThrow());
                    targets.add(pooledTo(t.get(j), side, e));
                }
            }
            return MethodTerms.semckd(projected, targets, attention);
        };
    }

    private static EdgeTerm simkd(Edge e, Map<String, DistillNet> nets, List<Shape> src, List<Shape> dst) {
        if (!src.get(1).equals(dst.get(1))) {
            throw new SpecException("sharing", "edge " + e + ": simkd joins the teacher's feature " + src.get(1)
                    + " and the projected student feature " + dst.get(1) + "; they must have equal shapes");
        }
        return (out, y, ps, tr) -> MethodTerms.mse(out.get(e.from()).get(1), out.get(e.to()).get(1));
    }

    /**
     * SKD: pixel-wise KD on the logits, pair-wise affinity of the shared decoder feature's pooled
     * nodes, and the holistic term from a discriminator of the predicted foreground maps (its own
     * step: {@link Adversary}).
     */
    private static EdgeTerm skd(Edge e, Map<String, Double> p, List<Shape> dst, List<Adversary> adversaries,
            NDManager manager) {
        Block d = EdgeModules.skdDiscriminator();
        EdgeModules.initialize(d, manager, dst.get(0));
        Adversary adversary = new Adversary(e.to(), e.toString(), d, p.get("discriminator"), manager);
        adversaries.add(adversary);
        int pool = (int) Math.round(p.get("pool"));
        return (out, y, ps, tr) -> {
            NDList s = out.get(e.from());
            NDList t = out.get(e.to());
            NDArray pixel = SegMethodTerms.pixelKl(s.get(0), t.get(0), p.get("temperature"));
            NDArray pair = SegMethodTerms.pairwise(s.get(1), t.get(1), pool);
            NDArray scores = adversary.generatorScores(ps, s.get(0).getNDArrayInternal().sigmoid(),
                    t.get(0).getNDArrayInternal().sigmoid(), tr);
            NDArray holistic = SegMethodTerms.hingeGenerator(scores);
            return Tensors.mul(pixel, p.get("pixel")).add(Tensors.mul(pair, p.get("pair")))
                    .add(Tensors.mul(holistic, p.get("adversarial")));
        };
    }

    /**
     * DSD on a U-Net: residual attention between its two levels, the shared decoder feature (stride
     * 16) and the logits (CIRKD's DSD script reads the same pair, feature then logits), with AT's
     * exponent 2; and the class similarity of the logits.
     */
    private static EdgeTerm dsd(String from, String to, Map<String, Double> p) {
        return (out, y, ps, tr) -> {
            NDList s = out.get(from);
            NDList t = out.get(to);
            NDArray pixel = SegMethodTerms.residualAttention(List.of(s.get(1), s.get(0)), List.of(t.get(1), t.get(0)),
                    2);
            NDArray classes = SegMethodTerms.classSimilarity(s.get(0), t.get(0), p.get("tau"));
            return Tensors.mul(pixel, p.get("pixelSimilarity")).add(Tensors.mul(classes, p.get("classSimilarity")));
        };
    }

    private static EdgeTerm emkd(String from, String to, Map<String, Double> p) {
        int low = DistillNet.FIRST_STAGE;
        int high = DistillNet.FIRST_STAGE + DistillNet.STAGES - 1;
        return (out, y, ps, tr) -> {
            NDList s = out.get(from);
            NDList t = out.get(to);
            NDArray pixel = SegMethodTerms.pixelKl(s.get(0), t.get(0), p.get("tau"));
            NDArray importance = SegMethodTerms.importanceMaps(s.get(low), t.get(low), p.get("p"))
                    .add(SegMethodTerms.importanceMaps(s.get(high), t.get(high), p.get("p")));
            NDArray affinity = SegMethodTerms.regionAffinity(s.get(low), t.get(low), y)
                    .add(SegMethodTerms.regionAffinity(s.get(high), t.get(high), y));
            return Tensors.mul(pixel, p.get("pixel")).add(Tensors.mul(importance, p.get("importance")))
                    .add(Tensors.mul(affinity, p.get("affinity")));
        };
    }

    private static List<NDArray> stages(NDList out) {
        return out.subList(DistillNet.FIRST_STAGE, DistillNet.FIRST_STAGE + DistillNet.STAGES);
    }

    private static NDArray last(NDList out) {
        return out.get(DistillNet.FIRST_STAGE + DistillNet.STAGES - 1);
    }

    /** {@code x} average-pooled to {@code side} when larger by a whole factor (VID's spatial alignment). */
    private static NDArray pooledTo(NDArray x, long side, Edge e) {
        long h = x.getShape().get(2);
        if (h == side) {
            return x;
        }
        if (h < side || h % side != 0) {
            throw new IllegalArgumentException("edge " + e + ": cannot align a " + h + "-pixel map with a " + side
                    + "-pixel one");
        }
        Shape k = new Shape(h / side, h / side);
        return Pool.avgPool2d(x, k, k, new Shape(0, 0), false, true);
    }
}
