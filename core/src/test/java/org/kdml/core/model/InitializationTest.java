package org.kdml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.util.Pair;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InitializationTest {

    /**
     * torch.nn.init._calculate_fan_in_and_fan_out, by hand: fan_in = size(1) × kH × kW, fan_out =
     * size(0) × kH × kW. ResNet's stem (64, 3, 7, 7): 3·49 = 147 and 64·49 = 3136; a depthwise
     * 3×3 conv on 32 channels (32, 1, 3, 3): 1·9 = 9 and 32·9 = 288 (groups do not divide
     * fan_out); the classifier (2, 512): 512 and 2.
     */
    @ParameterizedTest
    @CsvSource({"64, 3, 7, 7, 147, 3136", "32, 1, 3, 3, 9, 288", "2, 512, -1, -1, 512, 2"})
    void fansAreTorchs(long out, long in, long kh, long kw, long fanIn, long fanOut) {
        Shape shape = kh < 0 ? new Shape(out, in) : new Shape(out, in, kh, kw);
        assertEquals(fanIn, Initialization.fanIn(shape));
        assertEquals(fanOut, Initialization.fanOut(shape));
    }

    @Test
    void aFanOfAVectorIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Initialization.fanIn(new Shape(5)));
        assertEquals("fan in and fan out need a weight of at least 2 dimensions, got (5)", e.getMessage());
    }

    /**
     * Every parameter against torchvision's rule (DJL's default Xavier, N(0, 2 / fan_in) for
     * convolutions and linear weights and a zero linear bias, fails the conv and linear checks).
     * The tolerances are 4 standard errors of the sample statistic at the tensor's size: under 3 %
     * on the std for every ResNet-18 convolution.
     */
    @ParameterizedTest
    @CsvSource({"resnet18, classifier", "mobilenet, classifier", "resnet18-tiny, unet", "mobilenet-tiny, unet"})
    void parametersStartAsInTorchvision(String key, String kind) {
        Engine.getInstance().setRandomSeed(11);
        try (NDManager m = NDManager.newBaseManager()) {
            DistillNet net = kind.equals("unet") ? Architectures.unet("teacher", key, 1)
                    : Architectures.of("teacher", key).create(1000);
            int side = kind.equals("unet") ? 64 : 32;
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, side, side));
            int convs = 0;
            int linears = 0;
            int norms = 0;
            for (Pair<String, Parameter> pair : net.getParameters()) {
                String name = key + " " + pair.getKey();
                Parameter p = pair.getValue();
                Shape shape = p.getShape();
                double[] v = values(p);
                switch (p.getType()) {
                    case WEIGHT -> {
                        if (shape.dimension() == 4) {
                            double fanOut = shape.get(0) * shape.get(2) * shape.get(3);
                            assertNormal(name, v, Math.sqrt(2 / fanOut));
                            convs++;
                        } else {
                            assertUniform(name, v, 1 / Math.sqrt(shape.get(1)));
                            linears++;
                        }
                    }
                    case BIAS -> {
                        if (kind.equals("unet")) {
                            assertConstant(name, v, 0); // the U-Net head is a convolution
                        } else {
                            assertUniform(name, v, 1 / Math.sqrt(net.featureChannels()));
                        }
                    }
                    case GAMMA, RUNNING_VAR -> {
                        assertConstant(name, v, 1);
                        norms++;
                    }
                    case BETA, RUNNING_MEAN -> assertConstant(name, v, 0);
                    default -> throw new AssertionError(name + ": unexpected type " + p.getType());
                }
            }
            assertTrue(convs > 0 && norms > 0, key + ": " + convs + " convolutions, " + norms + " norms");
            assertEquals(kind.equals("unet") ? 0 : 1, linears, key + " linear layers");
        }
    }

    @Test
    void theSameSeedGivesTheSameWeights() {
        List<double[]> a = weights(7);
        List<double[]> b = weights(7);
        List<double[]> c = weights(8);
        assertEquals(a.size(), b.size());
        boolean differs = false;
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
            differs |= !Arrays.equals(a.get(i), c.get(i));
        }
        assertTrue(differs, "another seed gives other weights");
    }

    @Test
    void anInitialisedBlockIsRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("teacher", "resnet18-tiny").create(2);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Initialization.torchvision(net));
            assertEquals("parameter 'weight' of KdNetwork/01stem/01SequentialBlock/01Conv2d is already initialised; "
                    + "set the initialisation before initialize()", e.getMessage());
        }
    }

    @Test
    void aLayerWithoutATorchvisionRuleIsRejected() {
        Block norm = LayerNorm.builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Initialization.torchvision(norm));
        assertEquals("no torchvision initialisation for parameter 'gamma' (GAMMA) of LayerNorm (LayerNorm); "
                + "known layers: convolution, linear, batch norm", e.getMessage());
    }

    private static List<double[]> weights(int seed) {
        Engine.getInstance().setRandomSeed(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            KdNetwork net = Architectures.of("teacher", "mobilenet-tiny").create(2);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            return net.getParameters().values().stream().map(InitializationTest::values).toList();
        }
    }

    private static double[] values(Parameter p) {
        float[] f = p.getArray().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        double mu = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - mu) * (x - mu);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** Mean 0 and std {@code sigma}, each within 4 standard errors (std of a normal's sample std: σ/√(2n)). */
    private static void assertNormal(String name, double[] v, double sigma) {
        double n = v.length;
        assertEquals(0, mean(v), 4 * sigma / Math.sqrt(n), name + " mean");
        assertEquals(sigma, std(v), 4 * sigma / Math.sqrt(2 * n), name + " std");
    }

    /**
     * Inside [-b, b], mean 0 and std b/√3 (uniform), each within 4 standard errors (a uniform's
     * sample variance has variance (σ⁴/n)(κ − 1) with kurtosis κ = 9/5, so its std has σ·√(0.2/n)).
     */
    private static void assertUniform(String name, double[] v, double bound) {
        double n = v.length;
        double sigma = bound / Math.sqrt(3);
        for (double x : v) {
            assertTrue(Math.abs(x) <= bound, name + ": " + x + " outside ±" + bound);
        }
        assertEquals(0, mean(v), 4 * sigma / Math.sqrt(n), name + " mean");
        assertEquals(sigma, std(v), 4 * sigma * Math.sqrt(0.2 / n), name + " std");
    }

    private static void assertConstant(String name, double[] v, double expected) {
        for (double x : v) {
            assertEquals(expected, x, 0, name);
        }
    }
}
