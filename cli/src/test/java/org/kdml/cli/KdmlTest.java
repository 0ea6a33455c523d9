package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.cka.Npy;
import org.kdml.spec.Specs;

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
        // The data first: classes and images per class per split (seed 1), then the 26 runs (12
        // variants and the baseline, 2 seeds). 250 images per class: 187.5 rounds to 188 for
        // training, 25 for validation, 37 left for test.
        assertEquals("data: synthetic-patches, 1000 images, 4 classes, pooled split", lines[0]);
        assertEquals(List.of("class", "train", "val", "test"), List.of(lines[1].strip().split("\\s+")));
        for (int c = 0; c < 4; c++) {
            assertEquals(List.of("class-" + c, "188", "25", "37"), List.of(lines[2 + c].strip().split("\\s+")));
        }
        assertEquals(6 + 26, lines.length);
        assertTrue(lines[6].matches("[0-9a-f]{16} quickstart kd-off-v1 seed 1 edges \\[teacher->s1:predictions, "
                + "teacher->s2:predictions\\]"), lines[6]);
    }

    @Test
    void ckaOfTwoNpyFilesAsJson() throws Exception {
        String res = Path.of("..", "core", "src", "test", "resources", "cka").toString();
        assertEquals(0, kdml("cka", "--x", res + "/kornblith_x.npy", "--y", res + "/kornblith_y.npy", "--minibatch", "25",
                "--json"));
        var json = Specs.json().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(0.55761, json.get("linear").asDouble(), 1e-4);
        assertTrue(json.get("minibatch").isNumber(), json.toString());
        assertEquals(0, json.get("undefined").size(), json.toString());
    }

    @Test
    void ckaOfAConstantMatrixIsNullWithTheReason(@TempDir Path dir) throws Exception {
        Path constant = dir.resolve("constant.npy");
        double[] rows = new double[100 * 3];
        Arrays.fill(rows, 0.7);
        Npy.write(constant, 100, 3, rows);
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
        err.reset();
        assertEquals(2, kdml("validate", bad.toString()));
        assertEquals("kdml: invalid spec: training.alpha: must be in [0, 1], got 2.0", stderr());
    }

    /** Every command and the options README and the old usage text name for it. */
    private static Map<String, List<String>> commands() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("run", List.of("[SPEC.yaml]", "--workers", "--out", "--data", "--checkpoint-every", "--host",
                "--kafka-port", "--s3-port", "--status-port", "--cka-sample", "--timeout", "--mlflow"));
        m.put("up", List.of("--workers", "--data", "--host", "--kafka-port", "--s3-port", "--status-port",
                "--dashboard-port", "--checkpoint-every", "--cka-sample", "--mlflow"));
        m.put("submit", List.of("SPEC.yaml", "--bootstrap"));
        m.put("worker", List.of("--bootstrap", "--s3", "--checkpoint-every", "--max-attempts", "--s3-patience",
                "--grace-period", "--id", "--work"));
        m.put("chaos", List.of("--runs", "--kills", "--sigterms", "--workers", "--fuzz", "--s3-outage", "--epochs", "--seed",
                "--timeout-minutes", "--report"));
        m.put("dashboard", List.of("--orchestrator", "--s3", "--host", "--port"));
        m.put("serve", List.of("SERVICE", "--bootstrap", "--s3", "--status-host", "--status-port", "--cka-sample",
                "--tracking-uri", "--work", "mlflow-bridge"));
        m.put("status", List.of("EXPERIMENT", "--orchestrator", "--json", "--watch"));
        m.put("train", List.of("SPEC.yaml", "--out", "--fresh"));
        m.put("validate", List.of("SPEC.yaml", "--spec-only"));
        m.put("bench", List.of("--task", "--variant", "--teacher", "--students", "--count", "--size", "--batch",
                "--warmup", "--steps", "--classes", "--json", "--export", "--export-steps", "--churn", "--unfolded"));
        m.put("cka", List.of("--x", "--y", "--minibatch", "--json", "--run", "--out", "--sample", "--batch"));
        m.put("bench-cka", List.of("--teacher", "--student", "--size", "--examples", "--batch", "--json"));
        m.put("report", List.of("EXPERIMENT", "--out", "--format", "--from-stack", "--bootstrap", "--s3"));
        m.put("make-data", List.of("--kind", "--out", "--samples"));
        m.put("import-idx", List.of("--images", "--labels", "--classes", "--per-class", "--out"));
        m.put("bench-data", List.of("--kind", "--root", "--size", "--limit", "--json"));
        m.put("export", List.of("RUN", "--network", "--int8", "--out", "--runs", "--bootstrap", "--s3",
                "--latency-threads", "--latency-runs", "--int8-format", "--calibration-images"));
        m.put("predict", List.of("MODEL", "IMAGE", "--out", "--batch", "--fail-fast"));
        m.put("bench-infer", List.of("MODEL", "--batch", "--runs", "--iterations", "--json"));
        return m;
    }

    @Test
    void helpOfEveryCommandExitsZeroAndNamesItsOptions() throws Exception {
        for (Map.Entry<String, List<String>> c : commands().entrySet()) {
            out.reset();
            assertEquals(0, kdml(c.getKey(), "--help"), c.getKey());
            String help = stdout();
            assertTrue(help.startsWith("Usage: kdml " + c.getKey() + " "), help);
            for (String option : c.getValue()) {
                assertTrue(help.contains(option), c.getKey() + " --help does not name " + option + ":\n" + help);
            }
            assertTrue(help.contains("--threads=N"), help);
            assertTrue(help.contains("-h, --help"), help);
        }
        assertEquals("", stderr());
    }

    /** The "Default: X" under {@code option} in a help text, or null. */
    private static String defaultOf(String help, String option) {
        int at = help.indexOf("  " + option + "=");
        int next = help.indexOf("\n      --", at + 1);
        Matcher m = Pattern.compile("Default: (\\S+)").matcher(help.substring(at, next < 0 ? help.length() : next));
        return m.find() ? m.group(1) : null;
    }

    @Test
    void helpShowsTheDefaults() throws Exception {
        assertEquals(0, kdml("up", "--help"));
        String help = stdout();
        // Depends on the machine's cores (StackOptionsTest): said in words, not as one value.
        assertEquals(null, defaultOf(help, "--workers"));
        assertTrue(help.replaceAll("\\s+", " ").contains("default 2 on a machine with 2 cores or more, else 1"), help);
        assertEquals("8080", defaultOf(help, "--dashboard-port"));
        assertEquals(Path.of(".kdml", "stack").toString(), defaultOf(help, "--data"));
        out.reset();
        assertEquals(0, kdml("run", "--help"));
        assertEquals("7200", defaultOf(stdout(), "--timeout"));
        assertEquals(null, defaultOf(stdout(), "--data"));
        out.reset();
        assertEquals(0, kdml("worker", "--help"));
        assertEquals("3", defaultOf(stdout(), "--max-attempts"));
        assertEquals("300", defaultOf(stdout(), "--s3-patience"));
    }

    @Test
    void topLevelHelpListsEveryCommand() throws Exception {
        assertEquals(0, kdml("--help"));
        String help = stdout();
        for (String command : commands().keySet()) {
            assertTrue(help.contains("\n  " + command + " "), command + " missing from:\n" + help);
        }
        assertTrue(help.contains("\n  completion "), help);
        out.reset();
        assertEquals(0, kdml("help"));
        assertEquals(help, stdout());
        out.reset();
        assertEquals(2, kdml());
        assertEquals(help, stdout());
    }

    @Test
    void anUnknownOptionIsAUsageErrorNamingIt() throws Exception {
        assertEquals(2, kdml("up", "--fly"));
        assertEquals("kdml: Unknown option: '--fly'; see 'kdml up --help'", stderr());
        assertEquals("", stdout());
    }

    @Test
    void aValueOutOfRangeIsAUsageErrorNamingTheOptionAndTheValue() throws Exception {
        assertEquals(2, kdml("up", "--workers", "-1"));
        assertEquals("kdml: --workers: must be >= 0, got -1; see 'kdml up --help'", stderr());
        err.reset();
        assertEquals(2, kdml("up", "--kafka-port", "70000"));
        assertEquals("kdml: --kafka-port: must be a port in [0, 65535], got 70000; see 'kdml up --help'", stderr());
        err.reset();
        assertEquals(2, kdml("report", "quickstart", "--format", "pdf"));
        assertEquals("kdml: --format: unknown format 'pdf'; valid: md, html, csv; see 'kdml report --help'", stderr());
    }

    @Test
    void theHostOfUpIsOneAddressOfThisMachine() throws Exception {
        assertEquals(2, kdml("up", "--host", "no-such-host.invalid"));
        assertEquals("kdml: --host: must be an IP address or a name this machine resolves, got 'no-such-host.invalid';"
                + " see 'kdml up --help'", stderr());
        err.reset();
        assertEquals(2, kdml("up", "--host", "0.0.0.0"));
        assertEquals("kdml: --host: must be one address workers connect to, not the wildcard 0.0.0.0 (it is"
                + " advertised to them); see 'kdml up --help'", stderr());
        err.reset();
        assertEquals(2, kdml("up", "--host", "198.51.100.7"));
        assertEquals("kdml: --host: 198.51.100.7 (198.51.100.7) is not an address of this machine;"
                + " see 'kdml up --help'", stderr());
        err.reset();
        assertEquals(0, kdml("up", "--help"));
        assertEquals("127.0.0.1", defaultOf(stdout(), "--host"));
    }

    @Test
    void theMlflowBridgeNeedsAnHttpTrackingServer() throws Exception {
        assertEquals(2, kdml("serve", "mlflow-bridge"));
        assertEquals("kdml: --tracking-uri: required for mlflow-bridge; see 'kdml serve --help'", stderr());
        err.reset();
        assertEquals(2, kdml("serve", "evaluator", "--tracking-uri", "http://127.0.0.1:5000"));
        assertEquals("kdml: --tracking-uri: only for mlflow-bridge, not evaluator; see 'kdml serve --help'", stderr());
        err.reset();
        assertEquals(2, kdml("serve", "mlflow-bridge", "--tracking-uri", "file:///tmp/mlruns"));
        assertEquals("kdml: --tracking-uri: must be an http:// or https:// address, got file:///tmp/mlruns;"
                + " see 'kdml serve --help'", stderr());
        err.reset();
        assertEquals(2, kdml("up", "--mlflow", "mlflow:5000"));
        assertEquals("kdml: --mlflow: must be an http:// or https:// address, got mlflow:5000; see 'kdml up --help'",
                stderr());
    }

    @Test
    void aValueThatIsNotANumberIsAUsageErrorNamingTheOptionAndTheValue() throws Exception {
        assertEquals(2, kdml("worker", "--max-attempts", "three"));
        assertEquals("kdml: Invalid value for option '--max-attempts': 'three' is not an int;"
                + " see 'kdml worker --help'", stderr());
    }

    @Test
    void missingAndExtraArgumentsAreUsageErrors() throws Exception {
        assertEquals(2, kdml("submit"));
        assertEquals("kdml: Missing required parameter: 'SPEC.yaml'; see 'kdml submit --help'", stderr());
        err.reset();
        assertEquals(2, kdml("validate", "a.yaml", "b.yaml"));
        assertEquals("kdml: Unmatched argument at index 2: 'b.yaml'; see 'kdml validate --help'", stderr());
        err.reset();
        assertEquals(2, kdml("make-data", "--kind", "pcam"));
        assertEquals("kdml: Missing required option: '--out=DIR'; see 'kdml make-data --help'", stderr());
    }

    @Test
    void threadsWorksOnEveryCommandAndIsChecked() throws Exception {
        String before = System.getProperty("ai.djl.pytorch.num_threads");
        try {
            assertEquals(0, kdml("validate", "--threads", "3", Path.of("..", "examples", "quickstart.yaml").toString()));
            assertEquals("3", System.getProperty("ai.djl.pytorch.num_threads"));
            assertEquals(0, kdml("--threads", "2", "validate", Path.of("..", "examples", "quickstart.yaml").toString()));
            assertEquals("2", System.getProperty("ai.djl.pytorch.num_threads"));
        } finally {
            if (before == null) {
                System.clearProperty("ai.djl.pytorch.num_threads");
            } else {
                System.setProperty("ai.djl.pytorch.num_threads", before);
            }
        }
        assertEquals(2, kdml("bench", "--threads", "0"));
        assertEquals("kdml: --threads: must be >= 1, got 0; see 'kdml --help'", stderr());
    }

    @Test
    void completionPrintsABashScriptWithTheCommandNames() throws Exception {
        assertEquals(0, kdml("completion"));
        String script = stdout();
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script.substring(0, 80));
        assertTrue(script.contains("complete -F _complete_kdml"), "no complete -F for kdml");
        String all = String.join(" ", commands().keySet());
        assertTrue(script.contains("local commands=\"" + all + " help completion\""), "commands not listed");
        assertTrue(script.contains("function _picocli_kdml_run()"), "no completion function for run");
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8).strip();
    }
}
