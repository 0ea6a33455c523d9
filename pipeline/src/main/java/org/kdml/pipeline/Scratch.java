package org.kdml.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch folders of the services (downloaded checkpoints): removed when done, best effort. */
public final class Scratch {

    private Scratch() {
    }

    /** Deletes {@code dir} and everything under it; a failure only leaves scratch space behind. */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("kdml: could not remove scratch folder " + dir + ": " + e.getMessage());
        }
    }
}
