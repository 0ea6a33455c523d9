package org.kdml.core.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.PretrainedWeights;
import org.kdml.spec.Task;

/**
 * {@code weights.npz}: torchvision's and smp's names and counts, and the round trip through the
 * {@code weights:} import, bit for bit.
 */
class StateDictTest {

    private static DistillNet net(NDManager m, String key, Task task, long seed) {
        m.getEngine().setRandomSeed((int) seed);
        DistillNet n = task == Task.SEGMENTATION ? Architectures.unet("a", key, 1) : Architectures.of("a", key).create(2);
        n.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        return n;
    }

    /**
     * torchvision's resnet18 state_dict: 20 convolutions, 20 batch norms of 5 entries (weight, bias,
     * running_mean, running_var, num_batches_tracked) and the fc's 2 = 122 keys; resnet50: 53 + 53·5
     * + 2 = 320.
     */
    @Test
    void resNetsHaveTorchvisionsNamesAndCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> r18 = StateDict.names(net(m, "resnet18", Task.CLASSIFICATION, 1));
            assertEquals(122, r18.size());
            assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                    "bn1.num_batches_tracked", "layer1.0.conv1.weight"), r18.subList(0, 7));
            assertTrue(r18.contains("layer2.0.downsample.0.weight") && r18.contains("layer2.0.downsample.1.running_var"),
                    r18.toString());
            assertEquals(List.of("fc.weight", "fc.bias"), r18.subList(120, 122));
            List<String> r50 = StateDict.names(net(m, "resnet50", Task.CLASSIFICATION, 1));
            assertEquals(320, r50.size());
            assertTrue(r50.contains("layer1.0.conv3.weight") && r50.contains("layer1.0.downsample.0.weight"));
        }
    }

    /** smp's Unet(resnet18): the encoder's 120 (resnet18 without fc), 5 decoder blocks × 2 × (1 + 5), the head's 2. */
    @Test
    void uNetsHaveSmpsNames() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> names = StateDict.names(net(m, "resnet18", Task.SEGMENTATION, 1));
            assertEquals(120 + 60 + 2, names.size());
            assertEquals("encoder.conv1.weight", names.get(0));
            assertTrue(names.contains("encoder.layer4.1.bn2.running_mean"), names.toString());
            assertEquals(List.of("decoder.blocks.0.conv1.0.weight", "decoder.blocks.0.conv1.1.weight"),
                    names.subList(120, 122));
            assertEquals(List.of("segmentation_head.0.weight", "segmentation_head.0.bias"), names.subList(180, 182));
        }
    }

    @Test
    void exportThenImportIsBitIdentical(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String key : List.of("resnet18-tiny", "resnet50-tiny", "mobilenet-tiny")) {
                for (Task task : Task.values()) {
                    DistillNet trained = net(m, key, task, 3);
                    Path file = dir.resolve(key + "-" + task.key() + ".npz");
                    StateDict.write(trained, file);
                    DistillNet fresh = net(m, key, task, 4);
                    assertTrue(!Arrays.equals(weights(trained).get(0), weights(fresh).get(0)),
                            "the two seeds start apart");
                    PretrainedWeights.load(fresh, file);
                    List<float[]> a = weights(trained);
                    List<float[]> b = weights(fresh);
                    assertEquals(a.size(), b.size());
                    for (int i = 0; i < a.size(); i++) {
                        assertArrayEquals(a.get(i), b.get(i), key + " " + task + " parameter " + i);
                    }
                }
            }
        }
    }

    private static List<float[]> weights(DistillNet n) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : n.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }
}
