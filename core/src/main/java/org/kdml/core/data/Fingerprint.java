package org.kdml.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Content hash of a data set: kind, and per item its id, group, label, file names and sizes. */
final class Fingerprint {

    private Fingerprint() {
    }

    static String of(String kind, Path root, List<Item> items) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(kind.getBytes(StandardCharsets.UTF_8));
            for (Item it : items) {
                String line = "\n" + it.id() + "|" + it.group() + "|" + it.label() + "|" + rel(root, it.image()) + "|"
                        + size(it.image()) + "|" + (it.mask() == null ? "" : rel(root, it.mask()) + "|" + size(it.mask()))
                        + "|" + it.row();
                md.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String rel(Path root, Path p) {
        return root.relativize(p).toString();
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
