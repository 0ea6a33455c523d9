package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The payload of a {@code kind: report} result on {@code kdml.results}: where an experiment's
 * report is in S3 and which runs it was built from.
 *
 * @param prefix {@code bucket/key} of the report's folder (its files and the images it shows)
 * @param files {@code bucket/key} of each of the report's own files, by file name
 *     ({@code report.md}, {@code report.csv}, {@code report.html}, …)
 * @param covers the runs with metrics and the failed runs it was built from, e.g.
 *     {@code [0a1b…, 3c4d…] failed []}: a reporter that sees a report covering the same runs does
 *     not build it again; null in reports of versions that did not write it
 * @param runs how many runs had metrics
 * @param failed how many runs were parked as failed
 */
@JsonIgnoreProperties(ignoreUnknown = true) // fields a newer reporter adds do not stop an older reader
public record ReportResult(String prefix, Map<String, String> files, String covers, int runs, int failed) implements ResultPayload {

    /** Requires the prefix; copies the files, keeping their order. */
    public ReportResult {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("prefix: the report's S3 folder is required");
        }
        if (runs < 0 || failed < 0) {
            throw new IllegalArgumentException("runs, failed: must be >= 0, got " + runs + ", " + failed);
        }
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files == null ? Map.of() : files));
    }
}
