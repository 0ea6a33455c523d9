package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Training hyper-parameters of a run. Every field has a default; the paper's values are Adam,
 * temperature 2 and 3 seeds.
 *
 * @param epochs epochs of joint training (≥ 1, default 5)
 * @param teacherEpochs epochs of the teacher's own phase when it is trained first and frozen
 *     (default: {@code epochs})
 * @param batchSize mini-batch size (≥ 1, default 32)
 * @param learningRate Adam's learning rate (> 0, default 1e-3)
 * @param temperature softmax temperature {@code T} of prediction terms (> 0, default 2)
 * @param alpha weight of the distillation terms against the task loss, in [0, 1] (default 0.5)
 * @param teacherTraining for {@code kd-ml} and custom graphs: {@code joint} (default) or
 *     {@code frozen}. The other modes fix the teacher ({@code kd-off} frozen, {@code kd-on} joint,
 *     {@code ml} none) and ignore this field, so a spec listing every mode may set it for kd-ml
 *     alone; it must still be a known key, and kd-ml refuses {@code none}
 * @param focalGamma γ of the segmentation focal loss (≥ 0, default 2)
 * @param protocol how a methods variant ({@code methods: [...]}) trains its student:
 *     {@code method-only} (the default: cross-entropy + β·method, as RepDistiller's scripts) or
 *     {@code with-kd} (vanilla KD from the teacher's predictions added, as mdistiller does for some)
 * @param methods hyper-parameters of existing methods by key, e.g. {@code {at: {weight: 500}}},
 *     merged over {@link Knowledge#defaults()}
 * @param ensemble how a classification run's students make one prediction ({@link EnsembleRule}):
 *     {@code mean} (the default, kept out of the spec's canonical form so that existing runs keep
 *     their ids) or {@code max} (the paper's)
 * @param schedule the learning rate over each phase's epochs ({@link ScheduleSpec}); absent (and
 *     left out of the canonical spec when constant without warm-up) is a constant rate
 */
public record TrainingSpec(Integer epochs, Integer teacherEpochs, Integer batchSize, Double learningRate,
        Double temperature, Double alpha, String teacherTraining, Double focalGamma,
        @JsonInclude(JsonInclude.Include.NON_NULL) String protocol,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Map<String, Double>> methods,
        @JsonInclude(JsonInclude.Include.NON_NULL) String ensemble,
        @JsonInclude(JsonInclude.Include.NON_NULL) ScheduleSpec schedule) {

    /** The default protocol of methods variants: cross-entropy and the method's term. */
    public static final String METHOD_ONLY = "method-only";

    /** The protocol that adds vanilla KD from the teacher's predictions. */
    public static final String WITH_KD = "with-kd";

    /** Applies defaults and validates. */
    public TrainingSpec {
        epochs = epochs == null ? 5 : epochs;
        teacherEpochs = teacherEpochs == null ? epochs : teacherEpochs;
        batchSize = batchSize == null ? 32 : batchSize;
        learningRate = learningRate == null ? 1e-3 : learningRate;
        temperature = temperature == null ? 2.0 : temperature;
        alpha = alpha == null ? 0.5 : alpha;
        focalGamma = focalGamma == null ? 2.0 : focalGamma;
        SpecException.check(focalGamma >= 0 && Double.isFinite(focalGamma), "training.focalGamma",
                "must be a finite number >= 0, got " + focalGamma);
        SpecException.check(epochs >= 1, "training.epochs", "must be >= 1, got " + epochs);
        SpecException.check(teacherEpochs >= 1, "training.teacherEpochs", "must be >= 1, got " + teacherEpochs);
        SpecException.check(batchSize >= 1, "training.batchSize", "must be >= 1, got " + batchSize);
        SpecException.check(learningRate > 0 && Double.isFinite(learningRate), "training.learningRate",
                "must be a finite number > 0, got " + learningRate);
        SpecException.check(temperature > 0 && Double.isFinite(temperature), "training.temperature",
                "must be a finite number > 0, got " + temperature);
        SpecException.check(alpha >= 0 && alpha <= 1, "training.alpha", "must be in [0, 1], got " + alpha);
        if (teacherTraining != null) {
            TeacherTraining.of("training.teacherTraining", teacherTraining);
        }
        // Absent and the default are the same spec (and hash the same).
        protocol = METHOD_ONLY.equals(protocol) ? null : protocol;
        SpecException.check(protocol == null || protocol.equals(WITH_KD), "training.protocol",
                "unknown protocol '" + protocol + "'; valid: " + METHOD_ONLY + ", " + WITH_KD);
        // Absent and the default are the same spec (and hash the same).
        ensemble = ensemble == null || EnsembleRule.of("training.ensemble", ensemble) == EnsembleRule.MEAN ? null
                : ensemble;
        schedule = schedule == null || schedule.isConstant() ? null : schedule;
        if (methods != null && methods.isEmpty()) {
            methods = null;
        }
        if (methods != null) {
            Map<String, Map<String, Double>> copy = new TreeMap<>();
            for (Map.Entry<String, Map<String, Double>> m : methods.entrySet()) {
                String field = "training.methods." + m.getKey();
                Knowledge k = Knowledge.method(field, m.getKey());
                k.resolve(field, m.getValue());
                copy.put(m.getKey(), m.getValue() == null ? Map.of() : Collections.unmodifiableMap(
                        new TreeMap<>(m.getValue())));
            }
            methods = Collections.unmodifiableMap(copy);
        }
    }

    /** A spec without a protocol or method hyper-parameters. */
    public TrainingSpec(Integer epochs, Integer teacherEpochs, Integer batchSize, Double learningRate,
            Double temperature, Double alpha, String teacherTraining, Double focalGamma) {
        this(epochs, teacherEpochs, batchSize, learningRate, temperature, alpha, teacherTraining, focalGamma,
                null, null, null, null);
    }

    /** @return the rate of {@code epoch} (0-based) of a phase of {@code epochs} epochs ({@link ScheduleSpec}) */
    public double rate(int epoch, int epochs) {
        return schedule == null ? learningRate : schedule.rate(learningRate, epoch, epochs);
    }

    /** @return how the students make one classification prediction ({@link EnsembleRule#MEAN} unless set) */
    public EnsembleRule ensembleRule() {
        return ensemble == null ? EnsembleRule.MEAN : EnsembleRule.of("training.ensemble", ensemble);
    }

    /** @return the protocol of methods variants ({@link #METHOD_ONLY} unless the spec says {@link #WITH_KD}) */
    public String protocolOrDefault() {
        return protocol == null ? METHOD_ONLY : protocol;
    }

    /** @return {@code method}'s hyper-parameters: the spec's over the defaults */
    public Map<String, Double> methodParams(Knowledge method) {
        return method.resolve("training.methods." + method.key(), methods == null ? null
                : methods.get(method.key()));
    }

    /** @return the defaults */
    public static TrainingSpec defaults() {
        return new TrainingSpec(null, null, null, null, null, null, null, null);
    }
}
