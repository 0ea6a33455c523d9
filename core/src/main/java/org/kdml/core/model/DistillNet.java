package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.List;

/**
 * A network that takes part in distillation: its forward pass returns {@code [logits, feature,
 * stage1..stage4]} (class logits (N, C) for classification, per-pixel logits (N, C, H, W) for
 * segmentation; the shared feature map; the four stages that multi-layer methods read: a ResNet's
 * layer1..layer4 outputs, a MobileNet's ends of strides /4../32, a U-Net's encoder taps at the
 * same strides), and {@link #forwardAll} also returns every block's output for CKA.
 */
public abstract class DistillNet extends AbstractBlock {

    /** @param version the block's serialisation version */
    protected DistillNet(byte version) {
        super(version);
    }

    /** @return the registry key this network was built from */
    public abstract String architecture();

    /** @return channels of the shared feature map */
    public abstract int featureChannels();

    /** @return names of the outputs {@link #forwardAll} returns, in order; the last is {@code logits} */
    public abstract List<String> layerNames();

    /** Runs the network and keeps every block's output, in {@link #layerNames()} order. */
    public abstract NDList forwardAll(ParameterStore ps, NDArray input, boolean training);

    /** @return the parameters a pretrained backbone file initialises, in torchvision's order */
    public abstract List<Parameter> backboneParameters();

    /** @return the classifier's parameters (weight, bias), or none where the head is not a torchvision one */
    public abstract List<Parameter> headParameters();

    /** Index of the first stage in the forward pass's output ({@code [logits, feature, stage1..]}). */
    public static final int FIRST_STAGE = 2;

    /** Stages in the forward pass's output. */
    public static final int STAGES = 4;

    /**
     * The network's own classifier applied to a feature map shaped as its head's input.
     *
     * @throws UnsupportedOperationException for networks without a classifier (U-Nets)
     */
    public NDArray classify(ParameterStore ps, NDArray feature, boolean training) {
        throw new UnsupportedOperationException(architecture() + " has no classifier head");
    }

    /**
     * The parameters this architecture has the way papers count it (the paper's 26 M / 11 M for
     * ResNet-50 / ResNet-18): its backbone with a 1000-class ImageNet classifier, without kdml's
     * adapter and without this run's own head. Null where there is no such network (U-Nets).
     */
    public Long imagenetParameterCount() {
        return null;
    }

    /** Classes of an ImageNet classifier ({@link #imagenetParameterCount}). */
    public static final int IMAGENET_CLASSES = 1000;

    /** @return the number of trainable parameters (batch-norm running statistics excluded) */
    public long trainableParameterCount() {
        return countTrainable(getParameters());
    }

    /** @return the number of values in {@code params}, batch-norm running statistics excluded */
    static long countTrainable(PairList<String, Parameter> params) {
        long n = 0;
        for (Pair<String, Parameter> p : params) {
            n += trainable(p.getValue());
        }
        return n;
    }

    /** @return the number of values in {@code param}, or 0 for a batch norm's running statistics */
    static long trainable(Parameter param) {
        return param.getType() == Parameter.Type.RUNNING_MEAN || param.getType() == Parameter.Type.RUNNING_VAR ? 0
                : param.getShape().size();
    }
}
