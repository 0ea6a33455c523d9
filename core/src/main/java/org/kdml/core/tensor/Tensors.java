package org.kdml.core.tensor;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.function.BinaryOperator;

/**
 * The engine's one way to bring Java values into tensors: every tensor made here lives in memory
 * that libtorch allocated and reference-counts, never in a Java array or direct buffer.
 *
 * <p>Why: on the CPU, DJL builds a tensor over Java memory without copying (the scalar operand of
 * {@code NDArray.mul/div/add/sub/pow/maximum/minimum(Number)}, {@code NDManager.create} of Java
 * arrays and buffers). Autograd keeps such tensors for backward; once Java collects their buffer,
 * backward reads freed memory — wrong gradients, no error, and only when a collection happens to
 * fall inside a step. {@code TensorsTest} reproduces that; {@code NativeMemoryRuleTest} fails the
 * build when core calls one of those DJL methods anywhere but here.
 */
public final class Tensors {

    private Tensors() {
    }

    /** @return a 0-d tensor of {@code value} in {@code manager}, of type {@code type}, allocated by libtorch */
    public static NDArray scalar(NDManager manager, double value, DataType type) {
        return manager.full(new Shape(), (float) value, type);
    }

    /** @return {@code x · c} */
    public static NDArray mul(NDArray x, double c) {
        return withScalar(x, c, NDArray::mul);
    }

    /** @return {@code x / c} */
    public static NDArray div(NDArray x, double c) {
        return withScalar(x, c, NDArray::div);
    }

    /** @return {@code x + c} */
    public static NDArray add(NDArray x, double c) {
        return withScalar(x, c, NDArray::add);
    }

    /** @return {@code x − c} */
    public static NDArray sub(NDArray x, double c) {
        return withScalar(x, c, NDArray::sub);
    }

    /** @return {@code c − x} */
    public static NDArray rsub(double c, NDArray x) {
        return withScalar(x.neg(), c, NDArray::add);
    }

    /** @return {@code x^c}, element-wise */
    public static NDArray pow(NDArray x, double c) {
        return withScalar(x, c, NDArray::pow);
    }

    /** @return {@code min(x, c)}, element-wise */
    public static NDArray minimum(NDArray x, double c) {
        return withScalar(x, c, NDArray::minimum);
    }

    /** @return {@code max(x, c)}, element-wise */
    public static NDArray maximum(NDArray x, double c) {
        return withScalar(x, c, NDArray::maximum);
    }

    /** @return {@code x > c}, element-wise, as booleans */
    public static NDArray gt(NDArray x, double c) {
        return withScalar(x, c, NDArray::gt);
    }

    /**
     * Copies {@code data} into a new float32 tensor of {@code shape} in libtorch-owned memory.
     *
     * @throws IllegalArgumentException when the shape's size is not the array's length
     */
    public static NDArray floats(NDManager manager, float[] data, Shape shape) {
        checkSize(data.length, shape);
        try (NDArray wrapped = manager.create(FloatBuffer.wrap(data), shape)) {
            return copyOf(wrapped);
        }
    }

    /** Copies {@code data} into a new int64 vector in libtorch-owned memory. */
    public static NDArray longs(NDManager manager, long[] data) {
        try (NDArray wrapped = manager.create(LongBuffer.wrap(data), new Shape(data.length))) {
            return copyOf(wrapped);
        }
    }

    /**
     * Copies {@code source} into {@code target} in place, element for element (a copy, not a
     * multiply-add: correct even when {@code target} holds NaN or infinity).
     */
    public static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException("cannot copy " + source.getShape() + " into " + target.getShape());
        }
        target.set(new NDIndex("..."), source);
    }

    /** @return a copy of {@code array} that libtorch allocated, in the same manager, with the same name */
    public static NDArray copyOf(NDArray array) {
        NDArray copy = array.duplicate();
        copy.attach(array.getManager());
        if (array.getName() != null) {
            copy.setName(array.getName());
        }
        return copy;
    }

    /** Decodes arrays written by {@code NDList.encode} into libtorch-owned memory in {@code manager}. */
    public static NDList decode(NDManager manager, byte[] bytes) {
        try (NDManager scratch = manager.newSubManager()) {
            return owned(NDList.decode(scratch, bytes), manager);
        }
    }

    /**
     * Decodes an {@code NDList.encode} stream or a NumPy {@code .npz} into libtorch-owned memory in
     * {@code manager}, with the arrays' names.
     */
    public static NDList decode(NDManager manager, InputStream in) throws IOException {
        try (NDManager scratch = manager.newSubManager()) {
            return owned(NDList.decode(scratch, in), manager);
        }
    }

    private static NDList owned(NDList wrapped, NDManager manager) {
        {
            NDList out = new NDList(wrapped.size());
            for (NDArray a : wrapped) {
                NDArray copy = copyOf(a);
                copy.attach(manager);
                out.add(copy);
            }
            return out;
        }
    }

    /**
     * {@code block.loadParameters}, then every parameter's array (which DJL decodes over a Java
     * buffer) replaced by a libtorch-owned copy. Gradients are not requested: a trainer asks for them.
     */
    public static void loadParameters(Block block, NDManager manager, DataInputStream in)
            throws IOException, MalformedModelException {
        block.loadParameters(manager, in);
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            NDArray copy = copyOf(param.getArray());
            // Parameter lets an array be set only while it has neither array nor shape.
            param.close();
            param.setShape(null);
            param.setArray(copy);
        }
    }


    /** {@code op(x, c)} with {@code c} as a libtorch 0-d tensor of x's type (its handle closed after; libtorch keeps the memory). */
    private static NDArray withScalar(NDArray x, double c, BinaryOperator<NDArray> op) {
        try (NDArray k = scalar(x.getManager(), c, x.getDataType())) {
            return op.apply(x, k);
        }
    }

    private static void checkSize(int length, Shape shape) {
        if (shape.size() != length) {
            throw new IllegalArgumentException("shape " + shape + " has " + shape.size() + " elements, the data "
                    + length);
        }
    }
}
