package org.kdml.core.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import org.kdml.core.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.spec.Variant;

/**
 * A finished run read back from the files {@link RunTrainer#train} wrote ({@code spec.json},
 * {@code result.json}, {@code split.json}, {@code <node>.params}): what evaluation and CKA start from.
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
        Path specFile = runDir.resolve("spec.json");
        if (!Files.isRegularFile(specFile)) {
            throw new IOException(runDir + ": no spec.json (trained by an older kdml?)");
        }
        ExperimentSpec spec = Specs.parse(Files.readString(specFile), specFile.toString());
        RunResult trained = Specs.json().readValue(runDir.resolve("result.json").toFile(), RunResult.class);
        Variant variant = spec.variants().stream().filter(v -> v.key().equals(trained.variant())).findFirst()
                .orElseThrow(() -> new IOException(runDir + ": variant " + trained.variant() + " is not in its spec"));
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < data.size(); i++) {
            byId.put(data.id(i), i);
        }
        List<Integer> test = new ArrayList<>();
        for (JsonNode id : Specs.json().readTree(runDir.resolve("split.json").toFile()).get("test")) {
            Integer index = byId.get(id.asText());
            if (index == null) {
                throw new IOException(runDir.resolve("split.json") + ": test item " + id.asText()
                        + " is not in the data set (different data than the run was trained on?)");
            }
            test.add(index);
        }
        Map<String, DistillNet> nets = NetworkSet.build(spec.task(), spec.teacher(), spec.students(), variant.graph(),
                variant.key().equals("custom") ? "sharing" : "students", data.classes(), data.imageSize(), manager);
        for (Map.Entry<String, DistillNet> e : nets.entrySet()) {
            Path file = runDir.resolve(e.getKey() + ".params");
            try (InputStream in = Files.newInputStream(file)) {
                Tensors.loadParameters(e.getValue(), manager, new DataInputStream(in));
            } catch (MalformedModelException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
        }
        return new RunFiles(spec, variant, trained, test, nets);
    }
}
