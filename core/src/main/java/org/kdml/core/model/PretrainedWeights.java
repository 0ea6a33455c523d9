package org.kdml.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.io.IOException;
import org.kdml.core.tensor.Tensors;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Initialises a network from a local weights file (for example ImageNet weights), never from the
 * network.
 *
 * <p>Format: a NumPy {@code .npz} holding a torchvision {@code state_dict()} in its own order, as
 * written by {@code numpy.savez("resnet18.npz", **{k: v.numpy() for k, v in
 * model.state_dict().items()})}. Entries named {@code *num_batches_tracked} are ignored. The
 * remaining entries are matched to the network's parameters in order (conv weight; batch-norm
 * weight, bias, running mean, running var; …), each shape checked. The last two entries are the
 * classifier ({@code fc.weight}, {@code fc.bias}): loaded when their shapes match, otherwise left at
 * their random initialisation (a different number of classes). The teacher's adapter is never in
 * such a file and keeps its random initialisation. A file with an entry for every parameter of the
 * network (a U-Net's or a SimKD student's {@code weights.npz} from {@code kdml export}) loads whole.
 */
public final class PretrainedWeights {

    private PretrainedWeights() {
    }

    /**
     * Loads {@code file} into {@code net}.
     *
     * @param net an initialised network
     * @param file the {@code .npz} file
     * @return whether the classifier was loaded too
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file, the entry and both shapes on a mismatch
     */
    public static boolean load(DistillNet net, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("weights file not found: " + file);
        }
        try (NDManager m = NDManager.newBaseManager(); InputStream in = Files.newInputStream(file)) {
            NDList all;
            try {
                all = Tensors.decode(m, in);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": not a NumPy .npz file (" + e.getMessage() + ")", e);
            }
            List<NDArray> entries = new ArrayList<>();
            for (NDArray a : all) {
                if (a.getName() == null || !a.getName().endsWith("num_batches_tracked")) {
                    entries.add(a);
                }
            }
            List<Parameter> backbone = net.backboneParameters();
            List<Parameter> head = net.headParameters();
            List<Parameter> whole = new ArrayList<>();
            net.getParameters().forEach(p -> whole.add(p.getValue()));
            if (entries.size() == whole.size() && entries.size() != backbone.size() + head.size()) {
                // A whole network's state_dict (kdml export's weights.npz of a U-Net or a SimKD student).
                for (int i = 0; i < whole.size(); i++) {
                    copy(file, entries.get(i), whole.get(i));
                }
                return true;
            }
            if (entries.size() != backbone.size() + head.size()) {
                throw new IllegalArgumentException(file + " holds " + entries.size() + " tensors (without "
                        + "num_batches_tracked); " + net.architecture() + " needs " + backbone.size()
                        + " for its backbone plus " + head.size() + " for its classifier, or " + whole.size()
                        + " for the whole network");
            }
            for (int i = 0; i < backbone.size(); i++) {
                copy(file, entries.get(i), backbone.get(i));
            }
            boolean headFits = true;
            for (int i = 0; i < head.size(); i++) {
                headFits &= entries.get(backbone.size() + i).getShape().equals(head.get(i).getArray().getShape());
            }
            if (headFits) {
                for (int i = 0; i < head.size(); i++) {
                    copy(file, entries.get(backbone.size() + i), head.get(i));
                }
            }
            return headFits;
        }
    }

    private static void copy(Path file, NDArray src, Parameter dst) {
        NDArray w = dst.getArray();
        if (!src.getShape().equals(w.getShape())) {
            throw new IllegalArgumentException(file + ": entry '" + src.getName() + "' has shape " + src.getShape()
                    + " but parameter " + dst.getName() + " needs " + w.getShape());
        }
        Tensors.copyInto(w, src.toType(DataType.FLOAT32, false));
    }
}
