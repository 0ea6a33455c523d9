package org.kdml.core.data;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The one reader of the data sets' comma-separated files (label files, and the {@code csv} kind's
 * index), with Apache Commons CSV: RFC 4180 quoting (a quoted field may hold commas, quotes doubled,
 * line breaks), a header row, surrounding spaces of unquoted fields trimmed.
 */
final class Csv {

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
            .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).build();

    private Csv() {
    }

    /**
     * Reads {@code file}, checking that its header holds {@code required} columns.
     *
     * @return one map per data row, column → value; the row's 1-based line number under {@code "#line"}
     * @throws DatasetException naming the file (and the line) when it is missing, unreadable, lacks a
     *     column or a row has another number of fields than the header
     */
    static List<Map<String, String>> read(Path file, List<String> required) {
        if (!Files.isRegularFile(file)) {
            throw DatasetException.of(file, "file not found");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1); // a byte-order mark, as spreadsheets write
            }
        } catch (IOException e) {
            throw DatasetException.of(file, "unreadable (" + e.getMessage() + ")");
        }
        List<Integer> lineStarts = new ArrayList<>(List.of(0));
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lineStarts.add(i + 1);
            }
        }
        try (Reader in = new StringReader(text);
                CSVParser parser = FORMAT.parse(in)) {
            List<String> cols = parser.getHeaderNames();
            if (cols.isEmpty()) {
                throw DatasetException.of(file, "empty file, expected a header with " + required);
            }
            for (String r : required) {
                if (!cols.contains(r)) {
                    throw DatasetException.of(file, "header " + cols + " lacks column '" + r + "'");
                }
            }
            List<Map<String, String>> rows = new ArrayList<>();
            for (CSVRecord rec : parser) {
                int found = Collections.binarySearch(lineStarts, (int) rec.getCharacterPosition());
                int line = (found >= 0 ? found : -found - 2) + 1;
                if (rec.size() != cols.size()) {
                    throw new DatasetException(file + " line " + line, "has " + rec.size() + " fields, the header has "
                            + cols.size());
                }
                Map<String, String> row = new TreeMap<>();
                for (int c = 0; c < cols.size(); c++) {
                    row.put(cols.get(c), rec.get(c));
                }
                row.put("#line", String.valueOf(line));
                rows.add(row);
            }
            return rows;
        } catch (IOException | UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw DatasetException.of(file, "unreadable CSV (" + e.getMessage() + ")");
        }
    }

    /** @return the header's column names of {@code file}, or an empty list when it has none */
    static List<String> header(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                CSVParser parser = FORMAT.parse(in)) {
            return parser.getHeaderNames();
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw DatasetException.of(file, "unreadable CSV (" + e.getMessage() + ")");
        }
    }
}
