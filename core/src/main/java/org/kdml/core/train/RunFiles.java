package org.kdml.core.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.data.Split;
import org.kdml.core.model.DistillNet;
import org.kdml.core.tensor.Tensors;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import org.kdml.spec.Variant;

/**
 * A finished run read back from the files {@link RunTrainer#train} wrote ({@code spec.json},
 * {@code result.json}, {@code split.json}, {@code <node>.params}): what evaluation and CKA start from.
 * Its static methods are the only engine code that resolves the {@link RunLayout} names against a
 * local run folder, for reading and for writing.
 *
 * @param spec the experiment spec
 * @param variant the run's variant
 * @param trained the training result (history, normalisation, best epochs)
 * @param test indices of the test split in {@code data}
 * @param nets the networks with the run's weights
 */
public record RunFiles(ExperimentSpec spec, Variant variant, RunResult trained, List<Integer> test,
        Map<String, DistillNet> nets) {

    /**
     * Reads a run's files and rebuilds its networks in {@code manager}.
     *
     * @param data the data set the run was trained on, opened
     * @throws IOException naming the file that is missing, unreadable or does not match the data
     */
    public static RunFiles load(Path runDir, LabeledImages data, NDManager manager) throws IOException {
        ExperimentSpec spec = readSpec(runDir);
        RunResult trained = readResult(runDir);
        Variant variant = spec.variants().stream().filter(v -> v.key().equals(trained.variant())).findFirst()
                .orElseThrow(() -> new IOException(runDir + ": variant " + trained.variant() + " is not in its spec"));
        List<Integer> test = split(runDir, data, "test");
        Map<String, DistillNet> nets = NetworkSet.build(spec.task(), spec.teacher(), spec.students(), variant.graph(),
                variant.key().equals("custom") ? "sharing" : "students", data.classes(), data.imageSize(), spec.training(),
                manager);
        for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
            Path file = runDir.resolve(RunLayout.params(e.getKey()));
            try (InputStream in = Files.newInputStream(file)) {
                Tensors.loadParameters(e.getValue(), manager, new DataInputStream(in));
            } catch (MalformedModelException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
        }
        return new RunFiles(spec, variant, trained, test, nets);
    }

    /**
     * One part of a run's {@code split.json} as indices into {@code data}.
     *
     * @param part {@code train}, {@code val} or {@code test}
     * @throws IOException naming the file and the item when an id is not in {@code data}
     */
    public static List<Integer> split(Path runDir, LabeledImages data, String part) throws IOException {
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < data.size(); i++) {
            byId.put(data.id(i), i);
        }
        List<Integer> out = new ArrayList<>();
        Path splitFile = runDir.resolve(RunLayout.SPLIT);
        JsonNode ids = Specs.json().readTree(splitFile.toFile()).get(part);
        if (ids == null) {
            throw new IOException(splitFile + ": no '" + part + "' part");
        }
        for (JsonNode id : ids) {
            Integer index = byId.get(id.asText());
            if (index == null) {
                throw new IOException(splitFile + ": " + part + " item " + id.asText()
                        + " is not in the data set (different data than the run was trained on?)");
            }
            out.add(index);
        }
        return out;
    }

    /**
     * @return the run's per-image test predictions ({@code predictions.csv.gz}), or null when it has
     *     none (segmentation, or a result of an older version)
     */
    public static TestPredictions readPredictions(Path runDir) throws IOException {
        Path file = runDir.resolve(RunLayout.PREDICTIONS);
        return Files.isRegularFile(file) ? TestPredictions.read(file) : null;
    }

    /**
     * Reads a run folder's {@code spec.json}.
     *
     * @throws IOException when it is missing or unreadable
     */
    public static ExperimentSpec readSpec(Path runDir) throws IOException {
        Path file = runDir.resolve(RunLayout.SPEC);
        if (!Files.isRegularFile(file)) {
            throw new IOException(runDir + ": no " + RunLayout.SPEC + " (trained by an older kdml?)");
        }
        return Specs.parse(Files.readString(file), file.toString());
    }

    /** Reads a run folder's {@code result.json}. */
    public static RunResult readResult(Path runDir) throws IOException {
        return Specs.json().readValue(runDir.resolve(RunLayout.RESULT).toFile(), RunResult.class);
    }

    /** @return whether {@code dir} holds a run's {@code result.json} */
    public static boolean hasResult(Path dir) {
        return Files.isRegularFile(dir.resolve(RunLayout.RESULT));
    }

    /** Writes {@code spec.json}, so that the run can be rebuilt (e.g. by {@code kdml cka --run}). */
    public static void writeSpec(Path runDir, ExperimentSpec spec) throws IOException {
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(RunLayout.SPEC), Specs.canonicalJson(spec));
    }

    /** Writes {@code result.json}, pretty-printed. */
    public static void writeResult(Path runDir, RunResult result) throws IOException {
        Files.createDirectories(runDir);
        Specs.json().writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(RunLayout.RESULT).toFile(), result);
    }

    /** Writes {@code split.json}: the splitting and the ids of the train, validation and test items. */
    public static void writeSplit(Path runDir, Split split, LabeledImages data) throws IOException {
        Files.createDirectories(runDir);
        Map<String, Object> ids = new LinkedHashMap<>();
        ids.put("split", Split.splitting(data).key());
        ids.put("train", split.train().stream().map(data::id).toList());
        ids.put("val", split.val().stream().map(data::id).toList());
        ids.put("test", split.test().stream().map(data::id).toList());
        Specs.json().writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(RunLayout.SPLIT).toFile(), ids);
    }

    /** Writes every network's weights as {@code <node>.params}. */
    public static void writeNetworks(Path runDir, DistillationSession session) throws IOException {
        Files.createDirectories(runDir);
        for (String node : session.networks().keySet()) {
            try (OutputStream out = Files.newOutputStream(runDir.resolve(RunLayout.params(node)))) {
                session.save(node, out);
            }
        }
    }

    /** @return where a run's segmentation hard-case grid goes ({@code hardest.png}) */
    public static Path hardest(Path runDir) {
        return runDir.resolve(RunLayout.HARDEST);
    }

    /** @return where the CKA heatmap of {@code pair} goes in {@code dir}, e.g. {@code cka-teacher-s1.png} */
    public static Path heatmap(Path dir, String pair) {
        return dir.resolve(RunLayout.heatmap(pair));
    }
}
