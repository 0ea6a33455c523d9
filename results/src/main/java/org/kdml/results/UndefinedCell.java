package org.kdml.results;

/**
 * A cell of a CKA matrix without a value.
 *
 * @param row index into the matrix's rows
 * @param col index into its columns
 * @param reason why, e.g. {@code teacher layer logits is constant on the sample}
 */
public record UndefinedCell(int row, int col, String reason) {
}
