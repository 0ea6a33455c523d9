package org.kdml.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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

    static {
        register("resnet18", 512, (c, a) -> ResNets.build("resnet18", new int[] {2, 2, 2, 2}, false, 64, c, a));
        register("resnet50", 2048, (c, a) -> ResNets.build("resnet50", new int[] {3, 4, 6, 3}, true, 64, c, a));
        register("mobilenet", 1024, (c, a) -> MobileNets.build("mobilenet", 1, 5, c, a));
        register("resnet18-tiny", 128, (c, a) -> ResNets.build("resnet18-tiny", new int[] {1, 1, 1, 1}, false, 16, c, a));
        register("resnet50-tiny", 512, (c, a) -> ResNets.build("resnet50-tiny", new int[] {1, 1, 1, 1}, true, 16, c, a));
        register("mobilenet-tiny", 256, (c, a) -> MobileNets.build("mobilenet-tiny", 4, 1, c, a));
    }

    private Architectures() {
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
