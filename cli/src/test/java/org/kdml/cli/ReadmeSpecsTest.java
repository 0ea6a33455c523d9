package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```yaml} block of the README is a spec that {@code kdml validate} accepts (the spec
 * checks, architectures, data set and feature-edge shapes of every variant), or is marked as no
 * spec by an HTML comment {@code <!-- not a spec … -->} on the line before it (fragments such as
 * a lone {@code sharing:} list). A block that is neither fails the test with its line number.
 */
class ReadmeSpecsTest {

    private static final Path README = Path.of("..", "README.md");
    private static final String NOT_A_SPEC = "<!-- not a spec";
    private static final Pattern ROOT = Pattern.compile("(\\broot:[ \\t]*)([^\\s,}#]+)");

    /** A fenced YAML block: the line its fence opens on (1-based), its text, and whether it is marked. */
    record Block(int line, String yaml, boolean notASpec) {
    }

    /** The {@code ```yaml} blocks of a Markdown text, in order. */
    static List<Block> yamlBlocks(List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().startsWith("```")) {
                continue;
            }
            boolean yaml = lines.get(i).strip().equals("```yaml");
            int open = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).strip().startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            if (i == lines.size()) {
                throw new IllegalArgumentException("the code block opened on line " + (open + 1) + " is never closed");
            }
            if (yaml) {
                int before = open - 1;
                while (before >= 0 && lines.get(before).isBlank()) {
                    before--;
                }
                boolean marked = before >= 0 && lines.get(before).strip().startsWith(NOT_A_SPEC);
                out.add(new Block(open + 1, text.toString(), marked));
            }
        }
        return out;
    }

    /**
     * Points every {@code root:} at {@code folder}: whether the README's example folder (e.g.
     * {@code /data/…}) exists depends on the machine, not on the spec; everything else is validated
     * as written.
     */
    static String withRoot(String yaml, Path folder) {
        return ROOT.matcher(yaml).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + folder));
    }

    @Test
    void everyYamlBlockOfTheReadmeIsAValidSpecOrMarkedAsNone(@TempDir Path dir) throws Exception {
        assertTrue(Files.isRegularFile(README), "README not found at " + README.toAbsolutePath());
        Path data = Files.createDirectories(dir.resolve("data"));
        List<String> problems = new ArrayList<>();
        int specs = 0;
        for (Block b : yamlBlocks(Files.readAllLines(README, StandardCharsets.UTF_8))) {
            if (b.notASpec()) {
                continue;
            }
            specs++;
            Path file = dir.resolve("readme-line-" + b.line() + ".yaml");
            Files.writeString(file, withRoot(b.yaml(), data));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                int rc = Kdml.run(new String[] {"validate", "--spec-only", file.toString()}, new PrintStream(out, true,
                        StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
                if (rc != 0) {
                    problems.add("README.md line " + b.line() + ": kdml validate exited " + rc + ": " + out);
                }
            } catch (Exception e) {
                problems.add("README.md line " + b.line() + ": " + e.getMessage() + " (valid spec, or mark it with "
                        + NOT_A_SPEC + " -->)");
            }
        }
        assertTrue(specs > 0, "no unmarked ```yaml block in " + README + ": nothing was validated");
        assertEquals(List.of(), problems);
    }

    @Test
    void blocksAreFoundWithTheirLineAndMark() {
        List<String> md = List.of(
                "# t",
                "```bash",
                "name: not-yaml",
                "```",
                "<!-- not a spec: a fragment -->",
                "",
                "```yaml",
                "sharing: []",
                "```",
                "text",
                "```yaml",
                "name: a",
                "students: [resnet18]",
                "```");
        assertEquals(List.of(new Block(7, "sharing: []\n", true), new Block(11, "name: a\nstudents: [resnet18]\n", false)),
                yamlBlocks(md));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> yamlBlocks(List.of("text", "```yaml", "name: a")));
        assertEquals("the code block opened on line 2 is never closed", e.getMessage());
    }

    @Test
    void onlyTheDataFolderIsReplaced() {
        assertEquals("dataset:\n  kind: pcam\n  root: /tmp/d   # a folder\n  imageSize: 96\n",
                withRoot("dataset:\n  kind: pcam\n  root: /data/pcam   # a folder\n  imageSize: 96\n", Path.of("/tmp/d")));
        assertEquals("dataset: {kind: lgg, root: /tmp/d, imageSize: 256}",
                withRoot("dataset: {kind: lgg, root: /data/lgg, imageSize: 256}", Path.of("/tmp/d")));
    }
}
