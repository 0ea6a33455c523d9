package org.kdml.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The payload of a {@code kind: export} result on {@code kdml.results} (specs with {@code export:}):
 * the network exported, where each exported file is in S3, and the model card.
 *
 * @param network the node exported: {@code teacher}, {@code s<i>} or {@code ensemble}
 * @param files {@code bucket/key} of each exported file, by file name ({@code model.onnx},
 *     {@code model-int8.onnx}, {@code weights*.npz}, {@code model-card.md}, {@code model-card.json})
 * @param card the model card, as {@code model-card.json} holds it
 */
@JsonIgnoreProperties(ignoreUnknown = true) // fields a newer exporter adds do not stop an older reader
public record ExportResult(String network, Map<String, String> files, Map<String, Object> card) implements ResultPayload {

    /** Requires the network; copies the files and the card, keeping their order. */
    public ExportResult {
        if (network == null || network.isBlank()) {
            throw new IllegalArgumentException("network: the exported node is required");
        }
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files == null ? Map.of() : files));
        card = Collections.unmodifiableMap(new LinkedHashMap<>(card == null ? Map.of() : card));
    }
}
