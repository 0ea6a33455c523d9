package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.List;

/**
 * A network that takes part in distillation: its forward pass returns {@code [logits, feature]}
 * (class logits (N, C) for classification, per-pixel logits (N, C, H, W) for segmentation; the
 * shared feature map), and {@link #forwardAll} also returns every block's output for CKA.
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

    /** @return the number of trainable parameters (batch-norm running statistics excluded) */
    public long trainableParameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : getParameters()) {
            Parameter param = p.getValue();
            if (param.getType() != Parameter.Type.RUNNING_MEAN && param.getType() != Parameter.Type.RUNNING_VAR) {
                n += param.getShape().size();
            }
        }
        return n;
    }
}
