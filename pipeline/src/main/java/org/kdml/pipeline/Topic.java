package org.kdml.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.kdml.spec.Specs;

/**
 * One topic of the contract with its value type and serde: the name, the partitions and topic
 * settings it is created with, what its key is, and what its value holds. Values travel as JSON
 * (records, serialised by the spec's mapper) or, for {@code String} topics, as the text itself.
 *
 * @param name the topic's name, e.g. {@code kdml.runs}
 * @param partitions partitions it is created with
 * @param configs topic settings it is created with
 * @param type the value's type: a record, or {@code String} for text
 * @param key what the message key is
 * @param value what the value holds beyond its fields, for the contract table
 * @param <V> the value's type
 */
public record Topic<V>(String name, int partitions, Map<String, String> configs, Class<V> type, String key,
        String value) {

    /** Validates. */
    public Topic {
        if (name == null || !name.matches("[a-z][a-z0-9.-]*")) {
            throw new IllegalArgumentException("name: not a topic name: " + name);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    /** @return the value as it travels: JSON of a record, or the text itself */
    public String serialize(V v) {
        if (type == String.class) {
            return (String) v;
        }
        try {
            return Specs.json().writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(name + ": cannot serialise " + v, e);
        }
    }

    /**
     * Reads a value of this topic: strict UTF-8, then JSON into the record.
     *
     * @throws IOException naming the topic and what is wrong (not UTF-8, not JSON, a bad field)
     */
    public V parse(byte[] bytes) throws IOException {
        if (bytes == null) {
            throw new IOException(name + ": empty message");
        }
        String text;
        try {
            text = utf8(bytes);
        } catch (CharacterCodingException e) {
            throw new IOException(name + ": not UTF-8 text (" + e.getMessage() + ")", e);
        }
        if (type == String.class) {
            return type.cast(text);
        }
        try {
            return Specs.json().readValue(text, type);
        } catch (IOException e) {
            throw new IOException(name + ": not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A record for this topic, serialised. */
    public ProducerRecord<String, String> record(String k, V v) {
        return new ProducerRecord<>(name, k, serialize(v));
    }

    /** A record for this topic on the given partition, serialised. */
    public ProducerRecord<String, String> record(int partition, String k, V v) {
        return new ProducerRecord<>(name, partition, k, serialize(v));
    }

    /** The value's fields (a record's components, in order), e.g. {@code {runId, experiment, …}}; empty for text. */
    public String fields() {
        return type.isRecord() ? components(type) : "";
    }

    /** @return a record's components in order, e.g. {@code {network, files, card}} */
    static String components(Class<?> record) {
        return Arrays.stream(record.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    /** This topic's row of the contract table (Markdown): name, key, fields and what they mean. */
    public String tableRow() {
        String fields = fields();
        return "| `" + name + "` | " + key + " | " + (fields.isEmpty() ? "" : "`" + fields + "` — ") + value + " |";
    }

    /**
     * Decodes strict UTF-8.
     *
     * @throws CharacterCodingException when the bytes are not UTF-8
     */
    public static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
