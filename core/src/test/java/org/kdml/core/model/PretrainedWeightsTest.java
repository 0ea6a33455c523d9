package org.kdml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedWeightsTest {

    /**
     * Writes {@code net}'s weights the way {@code numpy.savez(**model.state_dict())} lays out a
     * torchvision model: torchvision-like names, in order, with a {@code num_batches_tracked}
     * entry after every batch norm.
     */
    private static Path writeStateDict(KdNetwork net, Path file, NDManager m) throws Exception {
        NDList list = new NDList();
        int i = 0;
        for (Parameter p : net.backboneParameters()) {
            NDArray a = p.getArray().duplicate();
            a.attach(m);
            a.setName("layer." + i++ + "." + p.getName());
            list.add(a);
            if (p.getType() == Parameter.Type.RUNNING_VAR) {
                NDArray n = m.create(7L);
                n.setName("layer." + i++ + ".num_batches_tracked");
                list.add(n);
            }
        }
        for (Parameter p : net.headParameters()) {
            NDArray a = p.getArray().duplicate();
            a.attach(m);
            a.setName("fc." + p.getName());
            list.add(a);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            list.encode(out, NDList.Encoding.NPZ);
        }
        return file;
    }

    private static KdNetwork build(String key, int classes, int seed, NDManager m) {
        Engine.getInstance().setRandomSeed(seed);
        KdNetwork net = Architectures.of("teacher", key).create(classes);
        net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        return net;
    }

    @Test
    void aTorchvisionStyleStateDictLoadsInOrder(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork source = build("resnet18-tiny", 2, 1, m);
            Path file = writeStateDict(source, dir.resolve("r18.npz"), m);
            KdNetwork same = build("resnet18-tiny", 2, 2, m);
            KdNetwork otherClasses = build("resnet18-tiny", 5, 3, m);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            NDList before = same.forward(ps, new NDList(x), false);
            NDList expected = source.forward(ps, new NDList(x), false);
            assertFalse(before.get(0).allClose(expected.get(0)));

            assertTrue(PretrainedWeights.load(same, file));
            NDList after = same.forward(ps, new NDList(x), false);
            assertTrue(after.get(0).allClose(expected.get(0)));
            assertTrue(after.get(1).allClose(expected.get(1)));

            assertFalse(PretrainedWeights.load(otherClasses, file), "a 5-class head cannot take 2-class weights");
            assertTrue(otherClasses.forward(ps, new NDList(x), false).get(1).allClose(expected.get(1)));
        }
    }

    @Test
    void aFileForAnotherArchitectureIsRejectedWithItsName(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = writeStateDict(build("resnet18-tiny", 2, 1, m), dir.resolve("r18.npz"), m);
            KdNetwork mobile = build("mobilenet-tiny", 2, 1, m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PretrainedWeights.load(mobile, file));
            assertTrue(e.getMessage().startsWith(file + " holds "), e.getMessage());
            assertTrue(e.getMessage().contains("mobilenet-tiny needs"), e.getMessage());
            Path missing = dir.resolve("none.npz");
            Exception io = assertThrows(IOException.class, () -> PretrainedWeights.load(mobile, missing));
            assertEquals("weights file not found: " + missing, io.getMessage());
        }
    }
}
