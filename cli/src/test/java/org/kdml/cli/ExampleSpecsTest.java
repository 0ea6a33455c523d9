package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every spec under {@code examples/} passes {@code kdml validate --spec-only}, its {@code root:}
 * pointed at an empty folder (whether the paper's data sit at {@code /data/…} depends on the machine).
 */
class ExampleSpecsTest {

    private static final Path EXAMPLES = Path.of("..", "examples");

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theExamplesAreFound() throws IOException {
        List<Path> found = examples().toList();
        assertTrue(found.contains(EXAMPLES.resolve("quickstart.yaml")), found.toString());
        assertTrue(found.contains(EXAMPLES.resolve("paper-comparison.yaml")), found.toString());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleIsAValidSpec(Path example, @TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path file = dir.resolve(example.getFileName());
        Files.writeString(file, ReadmeSpecsTest.withRoot(Files.readString(example), data));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int rc = Kdml.run(new String[] {"validate", "--spec-only", file.toString()}, print, print);
        assertEquals(0, rc, example + ": " + out.toString(StandardCharsets.UTF_8));
    }
}
