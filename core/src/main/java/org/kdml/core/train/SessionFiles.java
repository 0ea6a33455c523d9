package org.kdml.core.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.EdgeModuleSet;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.RunLayout;

/**
 * The one reader and writer of a session's training state in a folder: every network's current
 * parameters ({@code <node>.params}), every best-epoch snapshot ({@code <node>.best.params}), every
 * optimiser's moments and step counts ({@code <node>.adam}), the edge modules and SKD's
 * discriminators with their optimisers; file names from {@link RunLayout}. What {@link #save}
 * writes, {@link #load} continues from bit for bit.
 */
final class SessionFiles {

    private final NDManager manager;
    private final Trainables t;
    private final Snapshots snapshots;

    SessionFiles(NDManager manager, Trainables trainables, Snapshots snapshots) {
        this.manager = manager;
        this.t = trainables;
        this.snapshots = snapshots;
    }

    /** Writes the whole state into {@code dir}. */
    void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String node : t.nets().keySet()) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(RunLayout.params(node)))) {
                DataOutputStream dos = new DataOutputStream(out);
                t.nets().get(node).saveParameters(dos);
                dos.flush();
            }
            NDList best = snapshots.arrays(node, t.nets().get(node));
            if (best != null) {
                writeList(best, dir.resolve(RunLayout.bestParams(node)));
            }
            FusedAdam opt = t.optimizers().get(node);
            if (opt != null) {
                opt.write(t.nets().get(node), dir.resolve(RunLayout.adam(node)));
            }
            EdgeModuleSet set = t.modules().get(node);
            if (set != null) {
                writeArrays(set, dir.resolve(RunLayout.edgeParams(node)));
                t.moduleOptimizers().get(node).write(set, dir.resolve(RunLayout.edgeAdam(node)));
            }
        }
        for (int i = 0; i < t.adversaries().size(); i++) {
            Block d = t.adversaries().get(i).discriminator();
            writeArrays(d, dir.resolve(RunLayout.discriminatorParams(i + 1)));
            t.adversaryOptimizers().get(i).write(d, dir.resolve(RunLayout.discriminatorAdam(i + 1)));
        }
    }

    private static void writeArrays(Block block, Path file) throws IOException {
        NDList list = new NDList();
        block.getParameters().forEach(p -> list.add(p.getValue().getArray()));
        writeList(list, file);
    }

    /** Streams {@code list} into {@code file} in DJL's format, array by array (no heap copy of the whole). */
    private static void writeList(NDList list, Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            list.encode(out);
        }
    }

    /** Reads a state {@link #save} wrote; the networks must have the same architecture. Before the first step. */
    void load(Path dir) throws IOException {
        for (String node : t.nets().keySet()) {
            DistillNet net = t.nets().get(node);
            try (InputStream in = Files.newInputStream(dir.resolve(RunLayout.params(node)))) {
                Tensors.loadParameters(net, manager, new DataInputStream(in));
            } catch (MalformedModelException e) {
                throw new IOException(dir.resolve(RunLayout.params(node)) + ": " + e.getMessage(), e);
            }
            // Loading replaces the arrays: give the trainable ones their gradients back. (Called before
            // the first step, so nothing holds the old arrays.)
            for (Pair<String, Parameter> p : net.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            }
            Path best = dir.resolve(RunLayout.bestParams(node));
            if (Files.isRegularFile(best)) {
                NDManager keep = manager.newSubManager();
                NDList list = Tensors.decode(keep, Files.readAllBytes(best));
                ParameterList params = net.getParameters();
                if (list.size() != params.size()) {
                    keep.close();
                    throw new IOException(best + ": " + list.size() + " arrays for " + params.size() + " parameters");
                }
                for (int i = 0; i < list.size(); i++) {
                    list.get(i).setName(params.get(i).getValue().getId());
                }
                snapshots.put(node, keep);
            }
            Path adam = dir.resolve(RunLayout.adam(node));
            if (t.optimizers().containsKey(node) && Files.isRegularFile(adam)) {
                t.optimizers().get(node).read(net, adam);
            }
            EdgeModuleSet set = t.modules().get(node);
            if (set != null) {
                readArrays(set, dir.resolve(RunLayout.edgeParams(node)));
                t.moduleOptimizers().get(node).read(set, dir.resolve(RunLayout.edgeAdam(node)));
            }
        }
        for (int i = 0; i < t.adversaries().size(); i++) {
            Block d = t.adversaries().get(i).discriminator();
            readArrays(d, dir.resolve(RunLayout.discriminatorParams(i + 1)));
            t.adversaryOptimizers().get(i).read(d, dir.resolve(RunLayout.discriminatorAdam(i + 1)));
        }
    }

    /** Copies the arrays {@link #writeArrays} wrote into {@code block}'s parameters, shapes checked. */
    private void readArrays(Block block, Path file) throws IOException {
        ParameterList params = block.getParameters();
        try (NDManager tmp = manager.newSubManager()) {
            NDList list = Tensors.decode(tmp, Files.readAllBytes(file));
            if (list.size() != params.size()) {
                throw new IOException(file + ": " + list.size() + " arrays for " + params.size()
                        + " edge-module parameters");
            }
            for (int i = 0; i < list.size(); i++) {
                NDArray w = params.get(i).getValue().getArray();
                if (!w.getShape().equals(list.get(i).getShape())) {
                    throw new IOException(file + ": " + params.get(i).getKey() + " is " + list.get(i).getShape()
                            + ", expected " + w.getShape());
                }
                Tensors.copyInto(w, list.get(i));
            }
        }
    }
}
