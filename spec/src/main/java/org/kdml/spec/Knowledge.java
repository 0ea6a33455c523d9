package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kind of knowledge an edge of the sharing graph carries: kdml's two styles
 * ({@code predictions}, {@code features}) and the existing distillation methods the paper compares
 * against, each usable on any edge. docs/method.md, "Existing methods", gives every formula; the
 * defaults here are the reference implementations' (RepDistiller, SimKD, CIRKD, EMKD).
 *
 * <p>A method's hyper-parameters come from {@code training.methods.<key>}, merged over
 * {@link #defaults()}; {@code weight} is the method's usual weight β, which a spec's methods
 * variant puts on its edge.
 */
public enum Knowledge {
    /** Softened class probabilities: {@code T² · KL(p_src(T) ‖ p_dst(T))}. */
    PREDICTIONS("predictions", "Predictions", "kdml", Set.of(Task.CLASSIFICATION, Task.SEGMENTATION)),
    /** The shared feature map: {@code MSE(f_src, f_dst)}. */
    FEATURES("features", "Features", "kdml", Set.of(Task.CLASSIFICATION, Task.SEGMENTATION)),
    /** FitNets (Romero et al., ICLR 2015): a regressor maps one middle stage onto the teacher's. */
    FITNET("fitnet", "FitNets", "Romero et al., ICLR 2015", Set.of(Task.CLASSIFICATION),
            Param.of("weight", 100, 0, 1e9), Param.integer("stage", 2, 1, 4)),
    /** Attention transfer (Zagoruyko & Komodakis, ICLR 2017) on the four stages. */
    AT("at", "AT", "Zagoruyko & Komodakis, ICLR 2017", Set.of(Task.CLASSIFICATION),
            Param.of("weight", 1000, 0, 1e9), Param.of("p", 2, 0.5, 8)),
    /** Similarity-preserving KD (Tung & Mori, ICCV 2019) on the last stage. */
    SP("sp", "SP", "Tung & Mori, ICCV 2019", Set.of(Task.CLASSIFICATION), Param.of("weight", 3000, 0, 1e9)),
    /** Variational information distillation (Ahn et al., CVPR 2019) on the four stages. */
    VID("vid", "VID", "Ahn et al., CVPR 2019", Set.of(Task.CLASSIFICATION),
            Param.of("weight", 1, 0, 1e9), Param.of("initVariance", 5, 1e-3, 1e3), Param.of("eps", 1e-5, 0, 1)),
    /** Softmax regression representation learning (Yang et al., ICLR 2021) on the last stage. */
    SRRL("srrl", "SRRL", "Yang et al., ICLR 2021", Set.of(Task.CLASSIFICATION), Param.of("weight", 1, 0, 1e9)),
    /** SimKD (Chen et al., CVPR 2022): a projector, and the teacher's classifier reused at test time. */
    SIMKD("simkd", "SimKD", "Chen et al., CVPR 2022", Set.of(Task.CLASSIFICATION),
            Param.of("weight", 1, 0, 1e9), Param.integer("factor", 2, 1, 8)),
    /**
     * Semantic calibration (Chen et al., AAAI 2021): every student stage to every teacher stage,
     * weighted by learnt attention. The projectors' middle width is {@code min(2·C_T, maxWidth)}
     * (the reference's 2·C_T comes to about 850 M parameters for a ResNet-50 teacher).
     */
    SEMCKD("semckd", "SemCKD", "Chen et al., AAAI 2021", Set.of(Task.CLASSIFICATION),
            Param.of("weight", 400, 0, 1e9), Param.integer("maxWidth", 256, 1, 1 << 16),
            Param.integer("factor", 4, 1, 64)),
    /** Structured KD (Liu et al., CVPR 2019): pixel-wise, pair-wise and holistic (adversarial). */
    SKD("skd", "SKD", "Liu et al., CVPR 2019", Set.of(Task.SEGMENTATION),
            Param.of("weight", 1, 0, 1e9), Param.of("pixel", 10, 0, 1e9), Param.of("pair", 0.5, 0, 1e9),
            Param.of("adversarial", 0.001, 0, 1e9), Param.of("discriminator", 0.1, 0, 1e9),
            Param.of("temperature", 1, 1e-3, 1e3), Param.integer("pool", 2, 1, 64)),
    /** Intra-class feature variation distillation (Wang et al., ECCV 2020). */
    IFVD("ifvd", "IFVD", "Wang et al., ECCV 2020", Set.of(Task.SEGMENTATION),
            Param.of("weight", 1, 0, 1e9), Param.of("variation", 200, 0, 1e9), Param.of("pixel", 10, 0, 1e9),
            Param.of("temperature", 1, 1e-3, 1e3)),
    /** Channel-wise distillation (Shu et al., ICCV 2021) on the logits. */
    CWD("cwd", "CWD", "Shu et al., ICCV 2021", Set.of(Task.SEGMENTATION),
            Param.of("weight", 3, 0, 1e9), Param.of("tau", 4, 1e-3, 1e3)),
    /**
     * Double similarity distillation (Feng et al., IEEE TIP 2021): residual attention between the
     * shared decoder feature and the logits, and the class similarity of the softened maps.
     */
    DSD("dsd", "DSD", "Feng et al., IEEE TIP 2021", Set.of(Task.SEGMENTATION),
            Param.of("weight", 1, 0, 1e9), Param.of("pixelSimilarity", 1000, 0, 1e9),
            Param.of("classSimilarity", 10, 0, 1e9), Param.of("tau", 4, 1e-3, 1e3)),
    /** Efficient medical-image KD (Qin et al., IEEE TMI 2021): pixel KL, importance maps, region affinity. */
    EMKD("emkd", "EMKD", "Qin et al., IEEE TMI 2021", Set.of(Task.SEGMENTATION),
            Param.of("weight", 1, 0, 1e9), Param.of("pixel", 0.1, 0, 1e9), Param.of("importance", 0.9, 0, 1e9),
            Param.of("affinity", 0.9, 0, 1e9), Param.of("tau", 4, 1e-3, 1e3), Param.of("p", 4, 0.5, 8));

    /**
     * One hyper-parameter of a method.
     *
     * @param name its key under {@code training.methods.<method>}
     * @param value its default
     * @param min the smallest valid value
     * @param max the largest valid value
     * @param integer whether it must be a whole number (a stage index, a width)
     */
    public record Param(String name, double value, double min, double max, boolean integer) {

        static Param of(String name, double value, double min, double max) {
            return new Param(name, value, min, max, false);
        }

        static Param integer(String name, double value, double min, double max) {
            return new Param(name, value, min, max, true);
        }
    }

    private final String key;
    private final String display;
    private final String reference;
    private final Set<Task> tasks;
    private final List<Param> params;

    Knowledge(String key, String display, String reference, Set<Task> tasks, Param... params) {
        this.key = key;
        this.display = display;
        this.reference = reference;
        this.tasks = tasks;
        this.params = List.of(params);
    }

    /** @return the lower-kebab key used in specs and metric names */
    @JsonValue
    public String key() {
        return key;
    }

    /** @return the name tables and reports print, as its paper writes it, e.g. {@code FitNets}, {@code SimKD} */
    public String display() {
        return display;
    }

    /**
     * @return whether it applies the teacher's classifier to the student's feature (SRRL, SimKD),
     *     so that the teacher must be frozen
     */
    public boolean reusesTeacherClassifier() {
        return this == SRRL || this == SIMKD;
    }

    /** @return the paper that introduced it, e.g. {@code Tung & Mori, ICCV 2019} */
    public String reference() {
        return reference;
    }

    /** @return whether it is one of the existing methods (not kdml's predictions / features styles) */
    public boolean isMethod() {
        return this != PREDICTIONS && this != FEATURES;
    }

    /** @return whether it applies to {@code task} */
    public boolean appliesTo(Task task) {
        return tasks.contains(task);
    }

    /** @return the hyper-parameters with their defaults, in documentation order */
    public Map<String, Double> defaults() {
        Map<String, Double> out = new LinkedHashMap<>();
        params.forEach(p -> out.put(p.name(), p.value()));
        return out;
    }

    /** @return the hyper-parameters' descriptions (names, defaults, ranges) */
    public List<Param> params() {
        return params;
    }

    /** @return the method's usual weight β (1 for kdml's own styles) */
    public double defaultWeight() {
        return defaults().getOrDefault("weight", 1.0);
    }

    /**
     * The method's hyper-parameters: {@code given} merged over the defaults.
     *
     * @param field the spec field {@code given} came from, e.g. {@code training.methods.at}
     * @param given the spec's values (may be null)
     * @throws SpecException naming the parameter when one is unknown or out of range
     */
    public Map<String, Double> resolve(String field, Map<String, Double> given) {
        Map<String, Double> out = defaults();
        if (given == null) {
            return out;
        }
        for (Map.Entry<String, Double> e : given.entrySet()) {
            String f = field + "." + e.getKey();
            Param p = params.stream().filter(q -> q.name().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new SpecException(f, "unknown parameter of " + key + "; valid: "
                            + params.stream().map(Param::name).collect(Collectors.joining(", "))));
            Double v = e.getValue();
            SpecException.check(v != null && Double.isFinite(v) && v >= p.min() && v <= p.max(), f,
                    "must be a number in [" + format(p.min()) + ", " + format(p.max()) + "], got " + v);
            SpecException.check(!p.integer() || v == Math.rint(v), f, "must be a whole number, got " + v);
            out.put(p.name(), v);
        }
        return out;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /**
     * What a reader of a comparison must know about this method as kdml runs it, where it departs
     * from its reference or is weak on kdml's tasks; empty for most.
     */
    public String caveat() {
        return switch (this) {
            case SEMCKD -> "SemCKD: the projectors' middle width is capped at maxWidth (the reference's 2·C_T is"
                    + " about 850 M parameters for a ResNet-50 teacher)";
            case SIMKD -> "SimKD: its projector and the teacher's classifier are part of the deployed student";
            case DSD -> "DSD: its class-similarity term compares classes, and binary masks have one output channel;"
                    + " kdml reads it on the two-class logits (−z/2, z/2), whose softmax is the sigmoid. On the"
                    + " single channel it would be a 1×1 matrix (Σp²), with no class relation in it";
            default -> "";
        };
    }

    /** @return the other kind of kdml's two styles */
    public Knowledge other() {
        if (isMethod()) {
            throw new IllegalStateException(key + " has no other style");
        }
        return this == PREDICTIONS ? FEATURES : PREDICTIONS;
    }

    /**
     * Looks a kind up by key.
     *
     * @param field the field the key came from, for the error message
     * @param key the key, e.g. {@code predictions}
     * @return the kind
     */
    public static Knowledge of(String field, String key) {
        for (Knowledge k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        throw new SpecException(field, "unknown knowledge '" + key + "'; valid: " + keys());
    }

    /**
     * Looks an existing method up by key.
     *
     * @param field the field the key came from
     * @param key the key, e.g. {@code at}
     * @throws SpecException naming the field and the valid method keys
     */
    public static Knowledge method(String field, String key) {
        for (Knowledge k : values()) {
            if (k.isMethod() && k.key.equals(key)) {
                return k;
            }
        }
        throw new SpecException(field, "unknown method '" + key + "'; valid: " + methodKeys(null));
    }

    /** @return the method keys for {@code task} (all when null), comma separated */
    public static String methodKeys(Task task) {
        return Arrays.stream(values()).filter(k -> k.isMethod() && (task == null || k.appliesTo(task)))
                .map(Knowledge::key).collect(Collectors.joining(", "));
    }

    /** @return the existing methods for {@code task} (all when null), in registry order: what tests iterate */
    public static List<Knowledge> methods(Task task) {
        return Arrays.stream(values()).filter(k -> k.isMethod() && (task == null || k.appliesTo(task))).toList();
    }

    static String keys() {
        return Arrays.stream(values()).map(Knowledge::key).collect(Collectors.joining(", "));
    }
}
