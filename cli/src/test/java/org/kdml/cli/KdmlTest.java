package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.SpecException;

class KdmlTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int kdml(String... args) throws Exception {
        return Kdml.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void validateListsTheRunsOfTheQuickStart() throws Exception {
        assertEquals(0, kdml("validate", Path.of("..", "examples", "quickstart.yaml").toString()));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(24, lines.length);
        assertTrue(lines[0].matches("[0-9a-f]{16} quickstart kd-off-v1 seed 1 edges \\[teacher->s1:predictions, "
                + "teacher->s2:predictions\\]"), lines[0]);
    }

    @Test
    void ckaOfTwoNpyFilesAsJson() throws Exception {
        String res = Path.of("..", "core", "src", "test", "resources", "cka").toString();
        assertEquals(0, kdml("cka", "--x", res + "/kornblith_x.npy", "--y", res + "/kornblith_y.npy", "--minibatch", "25",
                "--json"));
        var json = org.kdml.spec.Specs.json().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(0.55761, json.get("linear").asDouble(), 1e-4);
        assertTrue(json.get("minibatch").isNumber(), json.toString());
        assertEquals(0, json.get("undefined").size(), json.toString());
    }

    @Test
    void ckaOfAConstantMatrixIsNullWithTheReason(@TempDir Path dir) throws Exception {
        Path constant = dir.resolve("constant.npy");
        double[] rows = new double[100 * 3];
        java.util.Arrays.fill(rows, 0.7);
        org.kdml.core.cka.Npy.write(constant, 100, 3, rows);
        String res = Path.of("..", "core", "src", "test", "resources", "cka").toString();
        assertEquals(0, kdml("cka", "--x", constant.toString(), "--y", res + "/kornblith_y.npy", "--minibatch", "25",
                "--json"));
        String printed = out.toString(StandardCharsets.UTF_8).strip();
        assertEquals("{\"linear\":null,\"minibatch\":null,\"undefined\":{\"linear\":\"X is constant on the sample\","
                + "\"minibatch\":\"X is constant on the sample\"}}", printed);
        out.reset();
        assertEquals(0, kdml("cka", "--x", constant.toString(), "--y", res + "/kornblith_y.npy"));
        assertEquals("linear     undefined (X is constant on the sample)", out.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void unknownCommandsAndBadSpecsFailClearly(@TempDir Path dir) throws Exception {
        assertEquals(2, kdml("fly"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("kdml: unknown command 'fly'"));
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "name: x\ndataset: {kind: synthetic-patches}\nstudents: [resnet18-tiny, resnet18-tiny]\n"
                + "modes: [ml]\ntraining: {alpha: 2}\n");
        SpecException e = assertThrows(SpecException.class, () -> kdml("validate", bad.toString()));
        assertEquals("training.alpha: must be in [0, 1], got 2.0", e.getMessage());
    }
}
