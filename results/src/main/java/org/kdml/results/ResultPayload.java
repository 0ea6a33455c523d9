package org.kdml.results;

/**
 * What a message on {@code kdml.results} carries, one record per kind: a run's test metrics
 * ({@link RunResult}, {@code metrics}), its layer-by-layer CKA ({@link CkaResult}, {@code cka}),
 * an exported model ({@link ExportResult}, {@code export}) and an experiment's report
 * ({@link ReportResult}, {@code report}). Readers switch on the type, never on JSON paths; the
 * JSON of each is its record's fields, as kcat shows them.
 */
public sealed interface ResultPayload permits RunResult, CkaResult, ExportResult, ReportResult {
}
