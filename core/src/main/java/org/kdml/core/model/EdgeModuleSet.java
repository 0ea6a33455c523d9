package org.kdml.core.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The trainable modules of the edges into one learner, as one block so that an optimiser, a
 * checkpoint and a parameter count see them together. Each module is initialised on its own input
 * shape when added; the set itself is never run (each edge term runs its module).
 */
public final class EdgeModuleSet extends AbstractBlock {

    /** A new, empty set. */
    public EdgeModuleSet() {
        super((byte) 1);
    }

    /**
     * Adds and initialises a module.
     *
     * @param name unique within the set, e.g. {@code vid<-teacher.stage2}
     * @param module an uninitialised module
     * @param input the shape of its input
     * @return {@code module}, initialised
     */
    public Block add(String name, Block module, NDManager manager, Shape input) {
        addChildBlock(name.replaceAll("[^A-Za-z0-9_]", "_"), module);
        module.initialize(manager, DataType.FLOAT32, input);
        return module;
    }

    /** @return whether the set holds no module */
    public boolean isEmpty() {
        return getChildren().isEmpty();
    }

    /** @return the number of trainable parameters (batch-norm running statistics excluded) */
    public long parameterCount() {
        return count(this);
    }

    /** @return the number of trainable parameters of {@code block} (batch-norm running statistics excluded) */
    public static long count(Block block) {
        return DistillNet.countTrainable(block.getParameters());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("an edge module set is not run as a whole");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("an edge module set is not run as a whole");
    }
}
