package org.kdml.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads, hashes and expands experiment specs. YAML and JSON are both accepted (JSON is YAML);
 * no YAML tag constructs Java objects, and unknown fields are errors that name the field.
 */
public final class Specs {

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** Canonical JSON: sorted keys, so equal specs hash equally. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Specs() {
    }

    /**
     * Parses a spec from YAML or JSON text.
     *
     * @param text the spec
     * @param source where it came from (file name), for error messages
     * @return the validated spec
     * @throws SpecException naming the field that is wrong
     */
    public static ExperimentSpec parse(String text, String source) {
        try {
            ExperimentSpec spec = YAML.readValue(text, ExperimentSpec.class);
            if (spec == null) {
                throw new SpecException("spec", source + " is empty");
            }
            return spec;
        } catch (JsonMappingException e) {
            SpecException cause = findSpecException(e);
            if (cause != null) {
                throw cause;
            }
            throw new SpecException(path(e), source + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new SpecException("spec", source + " is not valid YAML/JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads and parses a spec file. */
    public static ExperimentSpec read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** @return the spec as canonical JSON (sorted keys, defaults filled in) */
    public static String canonicalJson(ExperimentSpec spec) {
        try {
            return CANONICAL.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write spec " + spec.name() + " as JSON", e);
        }
    }

    /** @return SHA-256 (hex) of the spec's canonical JSON */
    public static String hash(ExperimentSpec spec) {
        return sha256(canonicalJson(spec));
    }

    /** @return the runs of {@code spec}: every variant with every seed, variants outer */
    public static List<RunSpec> runs(ExperimentSpec spec) {
        String hash = hash(spec);
        List<RunSpec> runs = new ArrayList<>();
        for (Variant v : spec.variants()) {
            for (long seed : spec.seeds()) {
                runs.add(RunSpec.of(spec, hash, v, seed));
            }
        }
        return runs;
    }

    /** @return the mapper used for canonical JSON, also fit for results */
    public static ObjectMapper json() {
        return CANONICAL;
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static SpecException findSpecException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SpecException s) {
                return s;
            }
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "spec" : sb.toString();
    }
}
