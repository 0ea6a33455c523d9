package org.kdml.core.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.kdml.core.tensor.ThreadGradients;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.kdml.core.loss.SegMethodTerms;
import org.kdml.core.tensor.Tensors;

/**
 * SKD's holistic term: a discriminator on the predicted maps, with an optimiser of its own. In the
 * learner's step it scores the student's map (the generator term {@code −mean D(S)}, whose
 * gradient reaches the student); its own step then runs after the learners': its gradient from the
 * generator term is cleared, and it is trained on the step's detached maps with the hinge loss
 * {@code λ_d·(mean relu(1 − D(T)) + mean relu(1 + D(S)))}, as SKD's code does (G step, then D step).
 */
public final class Adversary {

    private final String node;
    private final String edge;
    private final Block discriminator;
    private final double weight;
    private final NDManager manager;
    private NDManager kept;
    private NDArray real;
    private NDArray fake;

    /**
     * @param node the learner it judges
     * @param edge the edge's name, for messages
     * @param discriminator an initialised discriminator
     * @param weight λ_d of its hinge loss
     * @param manager where the step's maps are kept until its own step
     */
    Adversary(String node, String edge, Block discriminator, double weight, NDManager manager) {
        this.node = node;
        this.edge = edge;
        this.discriminator = discriminator;
        this.weight = weight;
        this.manager = manager;
    }

    /** @return the learner it judges */
    public String node() {
        return node;
    }

    /** @return the discriminator (its parameters are checkpointed and counted with the learner's modules) */
    public Block discriminator() {
        return discriminator;
    }

    /**
     * The discriminator's scores of the student's map (the gradient flows into the student), and
     * keeps both maps, detached, for {@link #train}.
     */
    NDArray generatorScores(ParameterStore ps, NDArray teacherMap, NDArray studentMap, boolean training) {
        if (training) {
            forget();
            kept = manager.newSubManager();
            real = teacherMap.stopGradient();
            real.attach(kept);
            fake = studentMap.stopGradient();
            fake.attach(kept);
        }
        return discriminator.forward(ps, new NDList(studentMap), training).singletonOrThrow();
    }

    /**
     * The discriminator's own step on the maps of the last learner step (nothing when there was
     * none); a non-finite loss or gradient skips it.
     *
     * @param update applies the discriminator's optimiser
     * @return the hinge loss (weighted), or NaN when nothing was trained
     */
    public double train(ParameterStore ps, Runnable update) {
        if (real == null) {
            return Double.NaN;
        }
        clearGradients();
        double value;
        try (GradientCollector gc = new ThreadGradients()) {
            NDArray loss = Tensors.mul(SegMethodTerms.hingeDiscriminator(
                    discriminator.forward(ps, new NDList(real), true).singletonOrThrow(),
                    discriminator.forward(ps, new NDList(fake), true).singletonOrThrow()), weight);
            value = loss.getFloat();
            if (Double.isFinite(value)) {
                gc.backward(loss);
            }
        } finally {
            forget();
        }
        if (Double.isFinite(value) && gradientsFinite()) {
            update.run();
        } else {
            clearGradients();
        }
        return value;
    }

    /** Drops the generator term's gradient (SKD's {@code D_solver.zero_grad()} before its step). */
    public void clearGradients() {
        for (Pair<String, Parameter> p : discriminator.getParameters()) {
            if (p.getValue().requiresGradient()) {
                JniUtils.zeroGrad((PtNDArray) p.getValue().getArray());
            }
        }
    }

    private boolean gradientsFinite() {
        double total = 0;
        for (Pair<String, Parameter> p : discriminator.getParameters()) {
            if (p.getValue().requiresGradient()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    total += g.sum().getFloat();
                }
            }
        }
        return Double.isFinite(total);
    }

    private void forget() {
        if (kept != null) {
            kept.close();
            kept = null;
        }
        real = null;
        fake = null;
    }

    @Override
    public String toString() {
        return "discriminator of " + edge;
    }
}
