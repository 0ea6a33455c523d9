package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The learning rate over the epochs of a phase ({@code training.schedule}), set at the start of
 * each epoch as PyTorch's epoch-wise schedulers do, for the teacher's own phase over
 * {@code teacherEpochs} and for the joint phase over {@code epochs}:
 * <ul>
 *   <li>a linear warm-up of {@code warmup} epochs first: epoch {@code e} (0-based) at
 *       {@code lr·(e+1)/warmup};</li>
 *   <li>then, counting {@code k} from 0 after the warm-up: {@code constant} {@code lr};
 *       {@code step} {@code lr·gamma^⌊k/every⌋} ({@code torch.optim.lr_scheduler.StepLR});
 *       {@code cosine} {@code lr·(1 + cos(πk/K))/2} over the {@code K} epochs after the warm-up
 *       ({@code CosineAnnealingLR} with {@code T_max = K}, {@code eta_min = 0}).</li>
 * </ul>
 *
 * @param kind {@code constant} (default), {@code step} or {@code cosine}
 * @param warmup epochs of linear warm-up (≥ 0, default 0)
 * @param every {@code step}: epochs between decays (≥ 1, default 10)
 * @param gamma {@code step}: the factor of each decay, in (0, 1] (default 0.1)
 */
public record ScheduleSpec(String kind, @JsonInclude(JsonInclude.Include.NON_NULL) Integer warmup,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer every,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double gamma) {

    /** The schedule keys. */
    public static final String CONSTANT = "constant";
    /** Step decay. */
    public static final String STEP = "step";
    /** Cosine annealing. */
    public static final String COSINE = "cosine";

    /** Validates; fields that do not apply to the kind must be absent. */
    public ScheduleSpec {
        kind = kind == null ? CONSTANT : kind;
        SpecException.check(kind.equals(CONSTANT) || kind.equals(STEP) || kind.equals(COSINE),
                "training.schedule.kind", "unknown schedule '" + kind + "'; valid: constant, step, cosine");
        SpecException.check(warmup == null || warmup >= 0, "training.schedule.warmup", "must be >= 0, got " + warmup);
        warmup = warmup == null || warmup == 0 ? null : warmup;
        SpecException.check(kind.equals(STEP) || (every == null && gamma == null), "training.schedule",
                "every and gamma apply to kind: step, not " + kind);
        if (kind.equals(STEP)) {
            every = every == null ? 10 : every;
            gamma = gamma == null ? 0.1 : gamma;
            SpecException.check(every >= 1, "training.schedule.every", "must be >= 1, got " + every);
            SpecException.check(gamma > 0 && gamma <= 1, "training.schedule.gamma", "must be in (0, 1], got " + gamma);
        }
    }

    /** @return whether the rate never changes (constant without warm-up): such a schedule is left out of specs */
    @JsonIgnore
    public boolean isConstant() {
        return kind.equals(CONSTANT) && warmup == null;
    }

    /**
     * @param lr the base rate ({@code training.learningRate})
     * @param epoch the epoch, 0-based within its phase
     * @param epochs epochs in the phase
     * @return the rate of that epoch
     */
    public double rate(double lr, int epoch, int epochs) {
        if (epoch < 0 || epoch >= epochs) {
            throw new IllegalArgumentException("epoch " + epoch + " is not one of the phase's " + epochs);
        }
        int w = warmup == null ? 0 : warmup;
        if (epoch < w) {
            return lr * (epoch + 1) / w;
        }
        int k = epoch - w;
        return switch (kind) {
            case STEP -> lr * Math.pow(gamma, k / every);
            case COSINE -> {
                int span = epochs - w;
                yield span <= 1 ? lr : lr * (1 + Math.cos(Math.PI * k / span)) / 2;
            }
            default -> lr;
        };
    }
}
