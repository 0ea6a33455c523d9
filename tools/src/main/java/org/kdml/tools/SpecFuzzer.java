package org.kdml.tools;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutated experiment specs for fuzzing the intake: dropped fields, wrong types, huge and negative
 * numbers, unknown keys, deep nesting, long strings, invalid UTF-8, random bytes, truncations, and
 * the valid spec written differently. Reproducible from a seed.
 */
public final class SpecFuzzer {

    private SpecFuzzer() {
    }

    public static final String BASE = String.join("\n",
            "name: fuzz",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-ml]",
            "versions: [v3]",
            "seeds: [1]",
            "training: {epochs: 1, batchSize: 16, learningRate: 0.002, temperature: 2, alpha: 0.5}",
            "");

    static final String[] KEYS = {"name", "dataset", "teacher", "students", "modes", "versions", "seeds", "training",
        "dataset.kind", "dataset.imageSize", "dataset.samples", "training.epochs", "training.batchSize",
        "training.learningRate", "training.temperature", "training.alpha"};

    static final String[] VALUES = {"\"x\"", "-1", "0", "1e308", "-1e308", "9223372036854775808", "[]", "{}", "null",
        "true", "[1, [2, [3]]]", "{a: {b: {c: 1}}}", "\"../../etc/passwd\"", "\"\"", "NaN", ".inf", "[-5]"};

    /** The {@code i}-th mutation of {@link #BASE}, reproducible from {@code seed}. */
    public static byte[] mutate(long seed, int i) {
        Random r = new Random(seed * 1_000_003L + i);
        String[] lines = BASE.split("\n");
        switch (r.nextInt(11)) {
            case 0 -> { // drop a line
                List<String> l = new ArrayList<>(List.of(lines));
                l.remove(r.nextInt(l.size()));
                return String.join("\n", l).getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> { // wrong type or odd value for a field
                String key = KEYS[r.nextInt(KEYS.length)];
                String value = VALUES[r.nextInt(VALUES.length)];
                return replace(lines, key, value).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> { // unknown key
                return (BASE + "unknown" + r.nextInt(100) + ": 1\n").getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> { // deep nesting
                int depth = 200 + r.nextInt(5_000);
                return (BASE.replace("seeds: [1]", "seeds: " + "[".repeat(depth) + "]".repeat(depth)))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> { // a long string
                int n = r.nextBoolean() ? 1_100_000 : 200_000;
                return BASE.replace("name: fuzz", "name: " + "a".repeat(n)).getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> { // invalid UTF-8 inside otherwise good text
                byte[] b = BASE.getBytes(StandardCharsets.UTF_8);
                b[r.nextInt(b.length)] = (byte) (0x80 + r.nextInt(0x40));
                return b;
            }
            case 6 -> { // random bytes
                byte[] b = new byte[1 + r.nextInt(300)];
                r.nextBytes(b);
                return b;
            }
            case 7 -> { // truncated
                byte[] b = BASE.getBytes(StandardCharsets.UTF_8);
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 8 -> { // negative or zero epochs / batch
                return BASE.replace("epochs: 1", "epochs: " + (-r.nextInt(5))).getBytes(StandardCharsets.UTF_8);
            }
            case 9 -> { // the same spec written differently (accepted; the same runs, so nothing new)
                return switch (r.nextInt(3)) {
                    case 0 -> ("# a comment\n" + BASE).getBytes(StandardCharsets.UTF_8);
                    case 1 -> BASE.replace(": ", ":   ").getBytes(StandardCharsets.UTF_8);
                    default -> (lines[1] + "\n" + lines[0] + "\n" + String.join("\n",
                            Arrays.copyOfRange(lines, 2, lines.length)) + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                };
            }
            default -> { // JSON instead of YAML, with a type error
                return ("{\"name\": \"fuzz\", \"dataset\": {\"kind\": \"synthetic-patches\"}, \"students\": "
                        + VALUES[r.nextInt(VALUES.length)] + "}").getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static String replace(String[] lines, String key, String value) {
        String[] parts = key.split("\\.");
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (parts.length == 1 && line.startsWith(parts[0] + ":")) {
                out.append(parts[0]).append(": ").append(value);
            } else if (parts.length == 2 && line.startsWith(parts[0] + ":")) {
                out.append(line.replaceFirst("\\b" + parts[1] + ": [^,}]+", parts[1] + ": " + value));
            } else {
                out.append(line);
            }
            out.append('\n');
        }
        return out.toString();
    }

}
