package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.kdml.core.tensor.Tensors;

/**
 * A frozen classification network run as an inference graph: every convolution followed by a
 * batch norm is one convolution with the batch norm folded in ({@code W' = W·γ/√(σ²+ε)},
 * {@code b' = β + (b − μ)·γ/√(σ²+ε)} per output channel, computed in double, as the ONNX
 * exporter folds them), so the forward pass has no batch-norm operation. It gives what
 * {@link KdNetwork}'s forward pass in inference mode gives, {@code [logits, feature,
 * stage1..stage4]}, equal up to float rounding.
 *
 * <p>It reads the weights once, when built: a network whose weights change afterwards needs a new
 * one. The folded weights live in the graph's own manager, freed by {@link #close}. A block of a
 * kind it does not know is refused with its class ({@link #of} throws), never skipped.
 */
public final class InferenceGraph implements AutoCloseable {

    private final NDManager manager;
    private final List<UnaryOperator<NDArray>> blocks = new ArrayList<>();
    private final UnaryOperator<NDArray> head;
    private final List<Integer> stageEnds;

    private InferenceGraph(KdNetwork net, NDManager parent) {
        this.manager = parent.newSubManager();
        try {
            for (Block b : net.featureBlocks()) {
                blocks.add(compile(b));
            }
            head = compile(net.head());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.stageEnds = net.stageEnds();
    }

    /**
     * Builds the inference graph of {@code net} from its current weights.
     *
     * @param parent the manager under which the folded weights are kept
     * @throws IllegalArgumentException for a network or block it cannot fold
     */
    public static InferenceGraph of(DistillNet net, NDManager parent) {
        if (!(net instanceof KdNetwork k)) {
            throw new IllegalArgumentException("no inference graph for a " + net.getClass().getSimpleName() + " ("
                    + net.architecture() + ")");
        }
        return new InferenceGraph(k, parent);
    }

    /**
     * Runs the graph. Its outputs belong to the input's manager.
     *
     * @param x the batch (N, C, H, W)
     * @return {@code [logits, feature, stage1..stage4]}
     */
    public NDList forward(NDArray x) {
        NDArray y = x;
        NDList stages = new NDList();
        for (int i = 0; i < blocks.size(); i++) {
            y = blocks.get(i).apply(y);
            if (stageEnds.contains(i)) {
                stages.add(y);
            }
        }
        NDList out = new NDList(head.apply(y), y);
        out.addAll(stages);
        return out;
    }

    private UnaryOperator<NDArray> compile(Block b) {
        if (b instanceof SequentialBlock s) {
            List<Block> children = new ArrayList<>();
            s.getChildren().forEach(p -> children.add(p.getValue()));
            List<UnaryOperator<NDArray>> ops = new ArrayList<>();
            for (int i = 0; i < children.size(); i++) {
                Block c = children.get(i);
                if (c instanceof Convolution conv && i + 1 < children.size()
                        && children.get(i + 1) instanceof BatchNorm bn) {
                    ops.add(conv(conv, bn));
                    i++;
                } else {
                    ops.add(compile(c));
                }
            }
            return x -> {
                NDArray y = x;
                for (UnaryOperator<NDArray> op : ops) {
                    y = op.apply(y);
                }
                return y;
            };
        }
        if (b instanceof Layers.Residual r) {
            UnaryOperator<NDArray> main = compile(r.main());
            UnaryOperator<NDArray> shortcut = compile(r.shortcut());
            return x -> Activation.relu(main.apply(x).add(shortcut.apply(x)));
        }
        if (b instanceof Convolution conv) {
            return conv(conv, null);
        }
        if (b instanceof Linear linear) {
            NDArray w = param(linear, "weight").getArray();
            NDArray bias = param(linear, "bias").getArray();
            return x -> Linear.linear(x, w, bias).singletonOrThrow();
        }
        if (b instanceof Layers.MaxPool p) {
            Shape k = new Shape(p.kernel(), p.kernel());
            Shape s = new Shape(p.stride(), p.stride());
            Shape pad = new Shape(p.padding(), p.padding());
            return x -> Pool.maxPool2d(x, k, s, pad, false);
        }
        if (b instanceof LambdaBlock l) {
            return switch (l.getName()) {
                case "ReLU" -> Activation::relu;
                case "globalAvgPool2d" -> Pool::globalAvgPool2d;
                case "batchFlatten" -> Blocks::batchFlatten;
                case "identity" -> x -> x;
                default -> throw new IllegalArgumentException("no inference graph for the lambda block '"
                        + l.getName() + "'");
            };
        }
        throw new IllegalArgumentException("no inference graph for a " + b.getClass().getSimpleName() + " block");
    }

    /** A 2-D convolution, with the batch norm that follows it folded in when {@code bn} is not null. */
    private UnaryOperator<NDArray> conv(Convolution conv, BatchNorm bn) {
        if (conv.getKernelShape().dimension() != 2) {
            throw new IllegalArgumentException("no inference graph for a " + conv.getKernelShape().dimension()
                    + "-D convolution");
        }
        FoldedConv f = FoldedConv.of(conv, bn);
        Shape shape = param(conv, "weight").getArray().getShape();
        NDArray folded = Tensors.floats(manager, f.weight(), shape);
        NDArray foldedBias = Tensors.floats(manager, f.bias(), new Shape(shape.get(0)));
        Shape stride = conv.getStride();
        Shape padding = conv.getPadding();
        Shape dilation = conv.getDilation();
        int groups = conv.getGroups();
        return x -> Conv2d.conv2d(x, folded, foldedBias, stride, padding, dilation, groups).singletonOrThrow();
    }

    private static Parameter param(Block b, String name) {
        return FoldedConv.param(b, name);
    }

    /** Frees the folded weights. */
    @Override
    public void close() {
        manager.close();
    }
}
