package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injection suite at small scale, with real {@code kdml worker} processes killed with
 * SIGKILL and stopped with SIGTERM: every scenario completes every run exactly once, the intake never crashes, and the S3
 * secret appears nowhere.
 */
class ChaosIT {

    @Test
    void everyScenarioLosesAndDuplicatesNothing(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path report = tmp.resolve("chaos.md");
        PrintStream printed = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = Kdml.run(new String[] {"chaos", "--runs", "4", "--kills", "2", "--sigterms", "2", "--workers", "2", "--fuzz", "300",
            "--s3-outage", "5", "--epochs", "2", "--timeout-minutes", "10", "--report", report.toString()}, printed,
                printed);
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, code, out);
        String table = Files.readString(report);
        assertTrue(table.contains("| kill -9 workers | 2 | 4 | 4 | 0 | 0 |"), table);
        assertTrue(table.contains("| SIGTERM workers (scale-in) | 2 | 4 | 4 | 0 | 0 |"), table);
        // A signal can find a worker between runs or finishing one; most find it training.
        assertTrue(table.matches("(?s).*\\| SIGTERM workers[^\n]*\\| [1-9][0-9]* stopped mid-run, each with a checkpoint of its step.*"),
                table);
        assertTrue(table.contains("steps re-done after resume: 0"), table);
        assertTrue(table.contains("found in outputs, events, results, dead letters and manifests: 0 times."), table);
        assertTrue(table.contains("refused by its SHA-256"), table);
    }
}
