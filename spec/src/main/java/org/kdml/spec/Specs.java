package org.kdml.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

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

    /** Most grid points one spec may expand to. */
    public static final int MAX_GRID_POINTS = 1000;

    /**
     * Parses a spec whose {@code training} hyper-parameters may be lists: each combination of the
     * listed values is one grid point, an experiment of its own named
     * {@code <name>.<field>-<value>...} (e.g. {@code sweep.learningrate-0.001}). A spec without
     * lists gives itself.
     *
     * @throws SpecException naming the field that is wrong
     */
    public static List<ExperimentSpec> grid(String text, String source) {
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SpecException("spec", source + " is not valid YAML/JSON: " + e.getOriginalMessage());
        }
        JsonNode training = tree == null ? null : tree.get("training");
        if (training == null || !training.isObject()) {
            return List.of(parse(text, source));
        }
        List<String> fields = new ArrayList<>();
        List<List<JsonNode>> values = new ArrayList<>();
        long points = 1;
        for (var it = training.fields(); it.hasNext();) {
            var e = it.next();
            if (e.getValue().isArray()) {
                List<JsonNode> vs = new ArrayList<>();
                e.getValue().forEach(vs::add);
                SpecException.check(!vs.isEmpty() && vs.stream().allMatch(JsonNode::isValueNode),
                        "training." + e.getKey(), "a grid needs a non-empty list of plain values, got " + e.getValue());
                SpecException.check(new HashSet<>(vs).size() == vs.size(), "training." + e.getKey(),
                        "grid values must be distinct, got " + e.getValue());
                fields.add(e.getKey());
                values.add(vs);
                points *= vs.size();
                SpecException.check(points <= MAX_GRID_POINTS, "training", "the grid has more than "
                        + MAX_GRID_POINTS + " points");
            }
        }
        if (fields.isEmpty()) {
            return List.of(parse(text, source));
        }
        String name = tree.path("name").asText("");
        List<ExperimentSpec> out = new ArrayList<>();
        int[] at = new int[fields.size()];
        for (long p = 0; p < points; p++) {
            ObjectNode copy = tree.deepCopy();
            ObjectNode t = (ObjectNode) copy.get("training");
            StringBuilder suffix = new StringBuilder();
            for (int i = 0; i < fields.size(); i++) {
                JsonNode v = values.get(i).get(at[i]);
                t.set(fields.get(i), v);
                suffix.append('.').append(fields.get(i).toLowerCase(Locale.ROOT)).append('-')
                        .append(v.asText().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "_"));
            }
            String pointName = name + suffix;
            SpecException.check(pointName.length() <= 64, "name", "grid point name '" + pointName
                    + "' is longer than 64 characters; shorten the experiment name");
            copy.put("name", pointName);
            out.add(parse(copy.toString(), source + " (grid point " + pointName + ")"));
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (++at[i] < values.get(i).size()) {
                    break;
                }
                at[i] = 0;
            }
        }
        return out;
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
