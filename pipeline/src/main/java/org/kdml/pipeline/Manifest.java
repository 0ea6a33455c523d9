package org.kdml.pipeline;

import java.util.Map;
import org.kdml.spec.RunLayout;

/**
 * What a checkpoint holds, written last as {@code manifest.json} so that a checkpoint without one
 * is incomplete by definition.
 *
 * @param runId the run
 * @param experiment its experiment
 * @param kind {@code epoch} (training state) or {@code final} (best weights, split, training result)
 * @param phase {@code teacher} or {@code joint} ({@code final} for the final one)
 * @param epoch the last finished epoch of the phase (0 for final)
 * @param attempt the attempt that wrote it
 * @param files SHA-256 (hex) and size of every file, by name
 * @param provenance spec hash, seed, dataset fingerprint, code version, DJL, PyTorch and Java versions
 * @param time milliseconds since the epoch
 */
public record Manifest(String runId, String experiment, String kind, String phase, int epoch, int attempt,
        Map<String, FileEntry> files, Map<String, Object> provenance, long time) {

    /** Name of the manifest object in a checkpoint. */
    public static final String FILE = RunLayout.MANIFEST;

    /**
     * One file of a checkpoint.
     *
     * @param sha256 lower-case hex SHA-256 of its bytes
     * @param size its length in bytes
     */
    public record FileEntry(String sha256, long size) {
    }
}
