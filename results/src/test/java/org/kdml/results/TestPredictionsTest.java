package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predictions.csv.gz} written and read back; its errors name the file and the line. */
class TestPredictionsTest {

    @Test
    void roundTripKeepsIdsWithCommasLabelsAndPredictedClasses(@TempDir Path tmp) throws IOException {
        Map<String, float[]> probs = new LinkedHashMap<>();
        // Image 2: 0.50001 vs 0.49999 rounds to a tie at four decimals; the predicted class is kept.
        probs.put("s1", new float[] {0.9f, 0.1f, 0.2f, 0.8f, 0.50001f, 0.49999f});
        probs.put("ensemble", new float[] {0.6f, 0.4f, 0.3f, 0.7f, 0.4f, 0.6f});
        TestPredictions p = new TestPredictions(List.of("a/one.png", "b, \"two\".png", "c.png"), new int[] {0, 1, 1},
                2, probs);
        Path file = tmp.resolve("predictions.csv.gz");
        p.write(file);
        TestPredictions back = TestPredictions.read(file);
        assertEquals(p.items(), back.items());
        assertArrayEquals(new int[] {0, 1, 1}, back.labels());
        assertEquals(List.of("s1", "ensemble"), back.networks());
        assertArrayEquals(new int[] {0, 1, 0}, back.predicted("s1"));
        assertArrayEquals(new boolean[] {true, true, false}, back.correct("s1"));
        assertArrayEquals(new boolean[] {true, true, true}, back.correct("ensemble"));
        assertEquals(0.8f, back.probabilities().get("s1")[3], 1e-6);
    }

    @Test
    void aMalformedFileNamesItselfAndTheLine(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("item,label,s1,s1.p0,s1.p1\nx,0,0,0.9,0.1\ny,1,7,0.2,0.8\n".getBytes(StandardCharsets.UTF_8));
        }
        IOException e = assertThrows(IOException.class, () -> TestPredictions.read(file));
        assertTrue(e.getMessage().contains("bad.csv.gz line 3: class 7 of s1 is not in 0..1"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TestPredictions.read(tmp.resolve("none.gz")));
        assertTrue(missing.getMessage().contains("none.gz: no per-image predictions"), missing.getMessage());
    }
}
