package org.kdml.results;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * Every test image's label and every network's prediction of it, so that two networks can be
 * compared on the same images (McNemar's test, a paired bootstrap). The one owner of
 * {@code predictions.csv.gz}: gzip-compressed CSV, one row per test image, columns {@code item}
 * (the data set's id of the image), {@code label} (its class index), then per network (the teacher,
 * the students, {@code ensemble}) {@code <net>} (the predicted class) and {@code <net>.p0} …
 * {@code <net>.p<C-1>} (its class probabilities, four decimals). Read it with
 * {@code pandas.read_csv(path)}.
 *
 * @param items the images' ids, in test-split order
 * @param labels the true class of each image
 * @param classes the number of classes
 * @param probabilities by network, row-major (images × classes)
 * @param predicted by network, the class it predicts for each image (the most probable at full
 *     precision; ties: the lower class)
 */
public record TestPredictions(List<String> items, int[] labels, int classes, Map<String, float[]> probabilities,
        Map<String, int[]> predicted) {

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
            .build();

    /** Validates the sizes. */
    public TestPredictions {
        items = List.copyOf(items);
        if (labels.length != items.size()) {
            throw new IllegalArgumentException("labels: " + labels.length + " for " + items.size() + " items");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes: must be >= 2, got " + classes);
        }
        probabilities = new LinkedHashMap<>(probabilities);
        predicted = new LinkedHashMap<>(predicted);
        for (Map.Entry<String, float[]> e : probabilities.entrySet()) {
            if (e.getValue().length != items.size() * classes) {
                throw new IllegalArgumentException("probabilities of " + e.getKey() + ": " + e.getValue().length
                        + " values for " + items.size() + " items × " + classes + " classes");
            }
            int[] p = predicted.get(e.getKey());
            if (p == null || p.length != items.size()) {
                throw new IllegalArgumentException("predicted: " + e.getKey() + " needs one class per item");
            }
        }
        if (!predicted.keySet().equals(probabilities.keySet())) {
            throw new IllegalArgumentException("predicted: networks " + predicted.keySet() + " differ from "
                    + probabilities.keySet());
        }
    }

    /** Predictions whose classes are the most probable of {@code probabilities} (ties: the lower class). */
    public TestPredictions(List<String> items, int[] labels, int classes, Map<String, float[]> probabilities) {
        this(items, labels, classes, probabilities, argmaxes(probabilities, classes));
    }

    private static Map<String, int[]> argmaxes(Map<String, float[]> probabilities, int classes) {
        Map<String, int[]> out = new LinkedHashMap<>();
        probabilities.forEach((n, p) -> out.put(n, ClassificationMetrics.argmax(p, classes)));
        return out;
    }

    /** @return the networks, in file order */
    public List<String> networks() {
        return List.copyOf(probabilities.keySet());
    }

    /** @return the class {@code network} predicts for each image */
    public int[] predicted(String network) {
        int[] p = predicted.get(network);
        if (p == null) {
            throw new IllegalArgumentException("no predictions of " + network + "; have " + networks());
        }
        return p.clone();
    }

    /** @return whether {@code network} classified each image correctly */
    public boolean[] correct(String network) {
        int[] pred = predicted(network);
        boolean[] out = new boolean[pred.length];
        for (int i = 0; i < pred.length; i++) {
            out[i] = pred[i] == labels[i];
        }
        return out;
    }

    /** Writes the file (gzip CSV). */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> header = new ArrayList<>(List.of("item", "label"));
        for (String net : probabilities.keySet()) {
            header.add(net);
            for (int c = 0; c < classes; c++) {
                header.add(net + ".p" + c);
            }
        }
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16),
                StandardCharsets.UTF_8);
                CSVPrinter out = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n').build())) {
            out.printRecord(header);
            List<String> row = new ArrayList<>(header.size());
            for (int i = 0; i < items.size(); i++) {
                row.clear();
                row.add(items.get(i));
                row.add(Integer.toString(labels[i]));
                for (Map.Entry<String, float[]> e : probabilities.entrySet()) {
                    row.add(Integer.toString(predicted.get(e.getKey())[i]));
                    for (int c = 0; c < classes; c++) {
                        row.add(String.format(Locale.ROOT, "%.4f", e.getValue()[i * classes + c]));
                    }
                }
                out.printRecord(row);
            }
        }
    }

    /**
     * Reads a file {@link #write} wrote. Predicted classes are taken from the file's {@code <net>}
     * columns (the probabilities there are rounded).
     *
     * @throws IOException naming the file and the line when it is missing or malformed
     */
    public static TestPredictions read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no per-image predictions (file not found)");
        }
        try (Reader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)),
                StandardCharsets.UTF_8)); CSVParser parser = FORMAT.parse(r)) {
            List<String> cols = parser.getHeaderNames();
            if (cols.size() < 3 || !cols.get(0).equals("item") || !cols.get(1).equals("label")) {
                throw new IOException(file + ": header must start with item,label,<network>; got " + cols);
            }
            List<String> nets = new ArrayList<>();
            int classes = 0;
            for (int i = 2; i < cols.size(); i++) {
                String c = cols.get(i);
                if (!c.contains(".p")) {
                    nets.add(c);
                } else if (nets.size() == 1) {
                    classes++;
                }
            }
            if (classes < 2 || cols.size() != 2 + nets.size() * (classes + 1)) {
                throw new IOException(file + ": " + cols.size() + " columns do not make " + nets.size()
                        + " networks of " + classes + " classes");
            }
            List<String> items = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            Map<String, List<float[]>> rows = new LinkedHashMap<>();
            Map<String, List<Integer>> classOf = new LinkedHashMap<>();
            nets.forEach(n -> {
                rows.put(n, new ArrayList<>());
                classOf.put(n, new ArrayList<>());
            });
            for (CSVRecord rec : parser) {
                if (rec.size() != cols.size()) {
                    throw new IOException(file + " line " + (rec.getRecordNumber() + 1) + ": " + rec.size()
                            + " fields, the header has " + cols.size());
                }
                try {
                    items.add(rec.get(0));
                    labels.add(Integer.parseInt(rec.get(1)));
                    for (int n = 0; n < nets.size(); n++) {
                        int base = 2 + n * (classes + 1);
                        int predictedClass = Integer.parseInt(rec.get(base));
                        if (predictedClass < 0 || predictedClass >= classes) {
                            throw new IOException(file + " line " + (rec.getRecordNumber() + 1) + ": class "
                                    + predictedClass + " of " + nets.get(n) + " is not in 0.." + (classes - 1));
                        }
                        classOf.get(nets.get(n)).add(predictedClass);
                        float[] p = new float[classes];
                        for (int c = 0; c < classes; c++) {
                            p[c] = Float.parseFloat(rec.get(base + 1 + c));
                        }
                        rows.get(nets.get(n)).add(p);
                    }
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + (rec.getRecordNumber() + 1) + ": not a number ("
                            + e.getMessage() + ")", e);
                }
            }
            Map<String, float[]> probs = new LinkedHashMap<>();
            Map<String, int[]> predicted = new LinkedHashMap<>();
            for (String n : nets) {
                predicted.put(n, classOf.get(n).stream().mapToInt(Integer::intValue).toArray());
                float[] flat = new float[items.size() * classes];
                List<float[]> netRows = rows.get(n);
                for (int i = 0; i < netRows.size(); i++) {
                    System.arraycopy(netRows.get(i), 0, flat, i * classes, classes);
                }
                probs.put(n, flat);
            }
            return new TestPredictions(items, labels.stream().mapToInt(Integer::intValue).toArray(), classes, probs,
                    predicted);
        }
    }
}
