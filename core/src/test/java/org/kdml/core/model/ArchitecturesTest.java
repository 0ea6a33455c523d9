package org.kdml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kdml.spec.SpecException;

class ArchitecturesTest {

    /** Counts from torchvision ({@code sum(p.numel() for p in model.parameters())}) and Keras (MobileNet). */
    @ParameterizedTest
    @CsvSource({
        "resnet18, 2, 11177538",
        "resnet18, 1000, 11689512",
        "resnet50, 2, 23512130",
        "resnet50, 1000, 25557032",
        "mobilenet, 1000, 4231976",
        "mobilenet, 2, 3209026",
        "mobilenet-tiny, 2, 141394",
    })
    void parameterCountsMatchTheReferenceImplementations(String key, int classes, long expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("teacher", key).create(classes);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertEquals(expected, net.trainableParameterCount(), key);
        }
    }

    /**
     * At ImageNet size, as papers count: a 2-class network without and a teacher with kdml's adapter
     * both count as torchvision's 1000-class model (the counts of the test above).
     */
    @ParameterizedTest
    @CsvSource({"resnet18, 0, 11689512", "resnet50, 0, 25557032", "resnet50, 512, 25557032", "mobilenet, 0, 4231976",
        "mobilenet, 512, 4231976"})
    void imagenetCountsLeaveTheAdapterAndTheRunsHeadOut(String key, int adapter, long expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = adapter == 0 ? Architectures.of("teacher", key).create(2)
                    : Architectures.of("teacher", key).factory().create(2, adapter);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertEquals(adapter > 0, net.hasAdapter());
            assertEquals(expected, net.imagenetParameterCount(), key);
        }
    }

    @Test
    void teacherAdapterMapsResNet50FeaturesTo512Channels() {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork teacher = Architectures.of("teacher", "resnet50").factory().create(2, 512);
            teacher.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertTrue(teacher.hasAdapter());
            assertEquals(512, teacher.featureChannels());
            // 1x1 conv 2048->512 (no bias) + BN(512); the classifier now reads 512 channels.
            long expected = 23512130L - (2048L * 2 + 2) + (2048L * 512 + 2 * 512) + (512L * 2 + 2);
            assertEquals(expected, teacher.trainableParameterCount());
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18-tiny, 32, 128, 1", "resnet50-tiny, 64, 512, 2", "mobilenet-tiny, 96, 256, 3",
        "resnet18, 96, 512, 3"})
    void oneForwardGivesLogitsAndFeatureAndAllBlocks(String key, int size, int channels, int spatial) {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("students[0]", key).create(3);
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, size, size));
            NDArray x = m.randomNormal(new Shape(2, 3, size, size));
            NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(new Shape(2, 3), out.get(0).getShape());
            assertEquals(new Shape(2, channels, spatial, spatial), out.get(1).getShape());
            NDList all = net.forwardAll(new ParameterStore(m, false), x, false);
            assertEquals(net.layerNames().size(), all.size());
            assertEquals(out.get(1).getShape(), all.get(all.size() - 2).getShape());
            assertTrue(all.get(all.size() - 1).allClose(out.get(0)));
            assertFalse(net.hasAdapter());
        }
    }

    /**
     * U-Nets: encoder (torchvision backbone without fc) + five decoder blocks (256, 128, 64, 32, 16
     * channels) + a 3×3 head. ResNet-18's count equals segmentation_models_pytorch's
     * {@code Unet("resnet18", classes=1)}: 14,328,209.
     */
    @ParameterizedTest
    @CsvSource({"resnet18, 14328209", "resnet50, 32521105", "mobilenet, 8312465"})
    void uNetParameterCounts(String key, long expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet net = Architectures.unet("teacher", key, 1);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            assertEquals(expected, net.trainableParameterCount(), key);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18-tiny, 64", "resnet50-tiny, 64", "mobilenet-tiny, 64", "resnet18, 256"})
    void uNetGivesFullResolutionLogitsAndAStride16Feature(String key, int channels) {
        try (NDManager m = NDManager.newBaseManager()) {
            UNet net = Architectures.unet("students[0]", key, 1);
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(new Shape(2, 1, 64, 64), out.get(0).getShape());
            assertEquals(new Shape(2, channels, 4, 4), out.get(1).getShape());
            NDList all = net.forwardAll(new ParameterStore(m, false), x, false);
            assertEquals(net.layerNames().size(), all.size());
            assertTrue(all.get(all.size() - 1).allClose(out.get(0)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(new ParameterStore(m, false), new NDList(m.zeros(new Shape(1, 3, 48, 48))), false));
            assertEquals("U-Net input sides must be multiples of 32, got 48x48", e.getMessage());
        }
    }

    @Test
    void unknownArchitectureNamesTheFieldAndTheValidKeys() {
        SpecException e = assertThrows(SpecException.class, () -> Architectures.of("students[1]", "vgg16"));
        assertEquals("students[1]", e.field());
        assertTrue(e.getMessage().contains("'vgg16'"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet18, resnet50, mobilenet"), e.getMessage());
    }
}
