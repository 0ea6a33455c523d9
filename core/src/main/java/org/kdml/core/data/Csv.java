package org.kdml.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A small reader for the plain comma-separated label files of the data sets (no quoted commas). */
final class Csv {

    private Csv() {
    }

    /**
     * Reads {@code file}, checking that its header holds {@code required} columns.
     *
     * @return one map per data row, column → value; the row's 1-based line number under {@code "#line"}
     */
    static List<Map<String, String>> read(Path file, List<String> required) {
        List<String> lines;
        try {
            if (!Files.isRegularFile(file)) {
                throw DatasetException.of(file, "file not found");
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw DatasetException.of(file, "unreadable (" + e.getMessage() + ")");
        }
        if (lines.isEmpty()) {
            throw DatasetException.of(file, "empty file, expected a header with " + required);
        }
        String[] header = split(lines.get(0));
        List<String> cols = List.of(header);
        for (String r : required) {
            if (!cols.contains(r)) {
                throw DatasetException.of(file, "header " + cols + " lacks column '" + r + "'");
            }
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] v = split(lines.get(i));
            if (v.length != header.length) {
                throw new DatasetException(file + " line " + (i + 1), "has " + v.length + " fields, the header has "
                        + header.length);
            }
            Map<String, String> row = new TreeMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], v[c]);
            }
            row.put("#line", String.valueOf(i + 1));
            rows.add(row);
        }
        return rows;
    }

    private static String[] split(String line) {
        String[] parts = line.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].trim();
            if (parts[i].length() >= 2 && parts[i].startsWith("\"") && parts[i].endsWith("\"")) {
                parts[i] = parts[i].substring(1, parts[i].length() - 1);
            }
        }
        return parts;
    }
}
