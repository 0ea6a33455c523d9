package org.kdml.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core's packages in layers, enforced on its main sources: the data loaders, the metrics and
 * the tensor helpers import no other core package; the engine ({@code model}, {@code loss},
 * {@code distill}, {@code train}) never imports export or CKA; export and CKA sit on top. A new
 * package must be given its layer here.
 */
class PackageLayersTest {

    /** What each package of {@code org.kdml.core} may import from the others. */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "tensor", Set.of(),
            "data", Set.of(),
            "metrics", Set.of(),
            "report", Set.of(),
            "model", Set.of("tensor"),
            "loss", Set.of("tensor"),
            "distill", Set.of("loss", "model", "tensor"),
            "train", Set.of("data", "distill", "loss", "model", "tensor"),
            "export", Set.of("data", "model", "tensor", "train"),
            "cka", Set.of("data", "model", "tensor", "train"));

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?org\\.kdml\\.core\\.([a-z]+)\\.",
            Pattern.MULTILINE);

    /**
     * @param pkg the package the source is in
     * @param source a Java source
     * @return {@code file -> package} for every import of a core package {@code pkg} may not use
     * @throws IllegalArgumentException naming a package that has no layer
     */
    static List<String> violations(String pkg, String file, String source) {
        Set<String> allowed = ALLOWED.get(pkg);
        if (allowed == null) {
            throw new IllegalArgumentException("package org.kdml.core." + pkg + " (" + file
                    + ") has no layer in PackageLayersTest.ALLOWED");
        }
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
            String used = m.group(1);
            if (!used.equals(pkg) && !allowed.contains(used)) {
                out.add(file + " -> " + used);
            }
        }
        return out;
    }

    @Test
    void everyMainSourceKeepsToItsLayer() throws IOException {
        Path root = Path.of("src/main/java/org/kdml/core");
        assertTrue(Files.isDirectory(root), root.toAbsolutePath() + " (run from the core module)");
        List<String> found = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                Path rel = root.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue;
                }
                String pkg = rel.getName(0).toString();
                packages.add(pkg);
                found.addAll(violations(pkg, rel.toString(), Files.readString(f)));
            }
        }
        assertEquals(List.of(), found);
        assertTrue(packages.containsAll(Set.of("data", "train", "export", "cka")), packages.toString());
    }

    /** The rule sees what it forbids: the engine importing CKA, data importing the engine. */
    @Test
    void theRuleFindsAnUpwardImport() {
        String source = "package org.kdml.core.train;\n\n" + imp("org.kdml.core.model.DistillNet")
                + imp("org.kdml.core.cka.LayerCka") + "import static " + "org.kdml.core.export.OnnxExport.x;\n";
        assertEquals(List.of("train/A.java -> cka", "train/A.java -> export"),
                violations("train", "train/A.java", source));
        assertEquals(List.of("data/B.java -> train"),
                violations("data", "data/B.java", imp("org.kdml.core.train.RunTrainer")));
        assertEquals(List.of(), violations("cka", "cka/C.java", imp("org.kdml.core.train.RunFiles")));
    }

    private static String imp(String name) {
        return "import " + name + ";\n";
    }

    @Test
    void aPackageWithoutALayerIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> violations("serving", "serving/D.java", ""));
        assertEquals("package org.kdml.core.serving (serving/D.java) has no layer in PackageLayersTest.ALLOWED",
                e.getMessage());
    }
}
