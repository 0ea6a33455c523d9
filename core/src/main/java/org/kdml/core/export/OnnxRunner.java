package org.kdml.core.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exported model on ONNX Runtime's CPU provider: float batches in (N, 3, S, S), every output
 * back as a flat float array. Owns its session; close it.
 */
public final class OnnxRunner implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int imageSize;

    private OnnxRunner(OrtSession session, int imageSize) {
        this.env = OrtEnvironment.getEnvironment();
        this.session = session;
        this.imageSize = imageSize;
    }

    /**
     * Opens a model from its bytes.
     *
     * @param threads intra-op threads (0 = ONNX Runtime's default, all cores)
     * @throws IllegalArgumentException with ONNX Runtime's message when the model does not load
     */
    public static OnnxRunner of(byte[] model, int threads) {
        try {
            return new OnnxRunner(OrtEnvironment.getEnvironment().createSession(model, options(threads)),
                    imageSize(model));
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime refused the model: " + e.getMessage(), e);
        }
    }

    /** Opens a model file; the error names the file. */
    public static OnnxRunner of(Path file, int threads) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return new OnnxRunner(OrtEnvironment.getEnvironment().createSession(bytes, options(threads)),
                    imageSize(bytes));
        } catch (IOException | OrtException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (threads > 0) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
        }
        return o;
    }

    private static int imageSize(byte[] model) {
        try {
            return Integer.parseInt(OnnxModels.metadata(model).getOrDefault("kdml.imageSize", "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** @return the image side the model was exported for (its metadata), or 0 when unknown */
    public int imageSize() {
        return imageSize;
    }

    /**
     * Runs {@code n} images.
     *
     * @param images (n, 3, side, side) row-major
     * @return every output by name, flattened
     */
    public Map<String, float[]> run(float[] images, int n, int side) {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {n, 3, side, side});
                OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, t))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : r) {
                FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] f = new float[b.remaining()];
                b.get(f);
                out.put(e.getKey(), f);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + n + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
