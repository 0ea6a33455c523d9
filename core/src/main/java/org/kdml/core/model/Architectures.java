package org.kdml.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.kdml.spec.SpecException;

/**
 * The registry of network architectures by lower-kebab key. An unknown key fails with the list of
 * valid keys; a key is never registered twice.
 */
public final class Architectures {

    /** Builds a network for {@code classes} classes with an optional adapter (0 = none). */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param classes number of classes
         * @param adapterChannels channels of the 1×1 adapter after the backbone, or 0 for none
         * @return a new, uninitialised network
         */
        KdNetwork create(int classes, int adapterChannels);
    }

    /**
     * An architecture.
     *
     * @param key the registry key
     * @param featureChannels channels of the backbone's last block (before any adapter)
     * @param factory builds the network
     */
    public record Architecture(String key, int featureChannels, Factory factory) {
        /** @return a new network without adapter */
        public KdNetwork create(int classes) {
            return factory.create(classes, 0);
        }
    }

    private static final Map<String, Architecture> REGISTRY = new LinkedHashMap<>();
    private static final Map<String, IntFunction<UNet>> UNETS = new LinkedHashMap<>();
    private static final int[] DECODER = {256, 128, 64, 32, 16};
    private static final int[] TINY_DECODER = {64, 32, 16, 16, 8};

    static {
        register("resnet18", 512, (c, a) -> ResNets.build("resnet18", new int[] {2, 2, 2, 2}, false, 64, c, a));
        register("resnet50", 2048, (c, a) -> ResNets.build("resnet50", new int[] {3, 4, 6, 3}, true, 64, c, a));
        register("mobilenet", 1024, (c, a) -> MobileNets.build("mobilenet", 1, 5, c, a));
        register("resnet18-tiny", 128, (c, a) -> ResNets.build("resnet18-tiny", new int[] {1, 1, 1, 1}, false, 16, c, a));
        register("resnet50-tiny", 512, (c, a) -> ResNets.build("resnet50-tiny", new int[] {1, 1, 1, 1}, true, 16, c, a));
        register("mobilenet-tiny", 256, (c, a) -> MobileNets.build("mobilenet-tiny", 4, 1, c, a));
    }

    static {
        UNETS.put("resnet18", o -> new UNet("resnet18", ResNets.encoder(new int[] {2, 2, 2, 2}, false, 64), DECODER, o));
        UNETS.put("resnet50", o -> new UNet("resnet50", ResNets.encoder(new int[] {3, 4, 6, 3}, true, 64), DECODER, o));
        UNETS.put("mobilenet", o -> new UNet("mobilenet", MobileNets.encoder(1, 5), DECODER, o));
        UNETS.put("resnet18-tiny", o -> new UNet("resnet18-tiny", ResNets.encoder(new int[] {1, 1, 1, 1}, false, 16),
                TINY_DECODER, o));
        UNETS.put("resnet50-tiny", o -> new UNet("resnet50-tiny", ResNets.encoder(new int[] {1, 1, 1, 1}, true, 16),
                TINY_DECODER, o));
        UNETS.put("mobilenet-tiny", o -> new UNet("mobilenet-tiny", MobileNets.encoder(4, 1), TINY_DECODER, o));
    }

    private Architectures() {
    }

    /**
     * A U-Net whose encoder is the architecture {@code key}.
     *
     * @param field the spec field the key came from
     * @param key the encoder's key, e.g. {@code resnet18}
     * @param outputs output channels (1 for binary masks)
     * @return a new, uninitialised U-Net
     */
    public static UNet unet(String field, String key, int outputs) {
        var f = UNETS.get(key);
        if (f == null) {
            throw new SpecException(field, "unknown architecture '" + key + "'; valid: " + String.join(", ", keys()));
        }
        return f.apply(outputs);
    }

    private static void register(String key, int featureChannels, Factory factory) {
        if (REGISTRY.putIfAbsent(key, new Architecture(key, featureChannels, factory)) != null) {
            throw new IllegalStateException("architecture '" + key + "' is registered twice");
        }
    }

    /**
     * Looks an architecture up.
     *
     * @param field the spec field the key came from, e.g. {@code students[1]}
     * @param key the key, e.g. {@code resnet18}
     * @return the architecture
     * @throws SpecException naming the field, the key and the valid keys
     */
    public static Architecture of(String field, String key) {
        Architecture a = REGISTRY.get(key);
        if (a == null) {
            throw new SpecException(field, "unknown architecture '" + key + "'; valid: " + String.join(", ", keys()));
        }
        return a;
    }

    /** @return the registered keys, in registration order */
    public static Set<String> keys() {
        return Collections.unmodifiableSet(REGISTRY.keySet());
    }
}
