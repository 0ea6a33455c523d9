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
import org.kdml.results.RunFolder;
import org.kdml.results.RunResult;

/**
 * A finished run read back from the files {@link RunTrainer#train} wrote ({@code spec.json},
 * {@code result.json}, {@code split.json}, {@code <node>.params}): what evaluation and CKA start from.
 * Its static methods write and read the engine's half of a run folder (split, weights);
 * {@link RunFolder} owns the result half.
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
        ExperimentSpec spec = RunFolder.readSpec(runDir);
        RunResult trained = RunFolder.readResult(runDir);
        Variant variant = spec.variants().stream().filter(v -> v.key().equals(trained.variant())).findFirst()
                .orElseThrow(() -> new IOException(runDir + ": variant " + trained.variant() + " is not in its spec"));
        List<Integer> test = split(runDir, data, "test");
        Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of(spec, variant, data.classes(), data.imageSize()),
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
                session.weights().save(node, out);
            }
        }
    }
}
