package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A classification network that exposes what distillation needs: one forward pass returns the
 * logits and the shared feature map (the last convolutional block's output, after the teacher's
 * adapter when it has one), and {@link #forwardAll} also returns every block's output for CKA.
 *
 * <p>Layout: named feature blocks in order, an optional 1×1 adapter, then the head (global
 * average pool and a linear classifier). The head reads the adapter's output, so the adapter is
 * trained by the network's own task loss. Parameters start as torchvision's ({@link Initialization}).
 */
public final class KdNetwork extends DistillNet {

    private static final byte VERSION = 1;

    private final String architecture;
    private final List<String> blockNames = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private final int featureChannels;
    private final int backboneChannels;
    private final Block head;
    /** Indices (in {@link #blocks}) of the blocks whose outputs are the four stages. */
    private final List<Integer> stageEnds;

    KdNetwork(String architecture, List<Pair<String, Block>> features, List<Integer> stageEnds, int backboneChannels,
            int adapterChannels, int classes) {
        super(VERSION);
        this.architecture = architecture;
        this.stageEnds = List.copyOf(stageEnds);
        this.backboneChannels = backboneChannels;
        for (Pair<String, Block> p : features) {
            blockNames.add(p.getKey());
            blocks.add(addChildBlock(p.getKey(), p.getValue()));
        }
        if (adapterChannels > 0 && adapterChannels != backboneChannels) {
            blockNames.add("adapter");
            blocks.add(addChildBlock("adapter", Layers.convBnRelu(adapterChannels, 1, 1, 0, 1)));
            featureChannels = adapterChannels;
        } else {
            featureChannels = backboneChannels;
        }
        head = addChildBlock("head", Layers.classifierHead(classes));
        Initialization.torchvision(this);
    }

    /** @return the registry key this network was built from */
    @Override
    public String architecture() {
        return architecture;
    }

    /** @return channels of the shared feature map (after the adapter, if any) */
    @Override
    public int featureChannels() {
        return featureChannels;
    }

    /** @return channels of the last backbone block, before any adapter */
    public int backboneChannels() {
        return backboneChannels;
    }

    /** @return whether this network has a 1×1 adapter after its backbone */
    public boolean hasAdapter() {
        return featureChannels != backboneChannels;
    }

    /** @return the names of the blocks whose outputs {@link #forwardAll} returns, then {@code logits} */
    @Override
    public List<String> layerNames() {
        List<String> names = new ArrayList<>(blockNames);
        names.add("logits");
        return names;
    }

    /** @return the parameters of the backbone (every block but the adapter), in torchvision's order */
    @Override
    public List<Parameter> backboneParameters() {
        List<Parameter> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (!blockNames.get(i).equals("adapter")) {
                blocks.get(i).getParameters().forEach(p -> out.add(p.getValue()));
            }
        }
        return out;
    }

    /** @return the backbone (adapter left out) with a 1000-class classifier: the count torchvision gives */
    @Override
    public Long imagenetParameterCount() {
        long n = 0;
        for (Parameter p : backboneParameters()) {
            n += trainable(p);
        }
        // torchvision's classifier reads the backbone's channels F (not an adapter's): F × 1000 + 1000.
        return n + (backboneChannels + 1L) * IMAGENET_CLASSES;
    }

    /** @return the classifier's parameters: weight then bias */
    @Override
    public List<Parameter> headParameters() {
        List<Parameter> out = new ArrayList<>();
        head.getParameters().forEach(p -> out.add(p.getValue()));
        return out;
    }

    /** Returns {@code [logits, feature, stage1..stage4]} (the stages as ResNet's layer1..layer4 outputs). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList x = inputs;
        NDList stages = new NDList();
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(ps, x, training);
            if (stageEnds.contains(i)) {
                stages.add(x.singletonOrThrow());
            }
        }
        NDArray feature = x.singletonOrThrow();
        NDArray logits = head.forward(ps, x, training).singletonOrThrow();
        NDList out = new NDList(logits, feature);
        out.addAll(stages);
        return out;
    }

    /**
     * The classifier on a feature map of the head's input channels: global average pool, then the
     * linear layer (SimKD and SRRL apply the teacher's to the student's projected feature).
     */
    @Override
    public NDArray classify(ParameterStore ps, NDArray feature, boolean training) {
        return head.forward(ps, new NDList(feature), training).singletonOrThrow();
    }

    /** @return the feature blocks in forward order (the adapter last, when there is one), for exporters */
    public List<Block> featureBlocks() {
        return List.copyOf(blocks);
    }

    /** @return indices in {@link #featureBlocks} of the blocks whose outputs are the four stages */
    public List<Integer> stageEnds() {
        return stageEnds;
    }

    /** @return the head: global average pool, flatten, linear (for exporters) */
    public Block head() {
        return head;
    }

    /** @return channels of the head's input (the adapter's, when there is one) */
    public int headChannels() {
        return featureChannels;
    }

    /**
     * Runs the network and keeps every block's output, in {@link #layerNames()} order (the last is
     * the logits); the shared feature is the output of the last block before the head.
     */
    @Override
    public NDList forwardAll(ParameterStore ps, NDArray input, boolean training) {
        NDList outs = new NDList();
        NDList x = new NDList(input);
        for (Block b : blocks) {
            x = b.forward(ps, x, training);
            outs.add(x.singletonOrThrow());
        }
        outs.add(head.forward(ps, x, training).singletonOrThrow());
        return outs;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] s = inputShapes;
        for (Block b : blocks) {
            s = b.getOutputShapes(s);
        }
        return new Shape[] {head.getOutputShapes(s)[0], s[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] s = inputShapes;
        for (Block b : blocks) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(s);
        }
        head.initialize(manager, dataType, s);
    }
}
