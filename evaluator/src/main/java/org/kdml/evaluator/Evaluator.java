package org.kdml.evaluator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.kdml.core.data.DataCache;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.train.EngineTurns;
import org.kdml.results.ExportResult;
import org.kdml.results.ResultPayload;
import org.kdml.results.RunResult;
import org.kdml.core.train.RunTrainer;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.CompletionService;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;

/**
 * The evaluator: for every completed run, test metrics of the teacher, each student and the
 * ensemble (accuracy, precision, recall, F1, AUC for classification; IoU and F-score for
 * segmentation), and each student's fidelity to the teacher, published as {@code metrics} on
 * {@code kdml.results} and kept as {@code results/result.json} beside the checkpoints; for specs
 * with {@code export:}, the run's export too ({@code export}, {@link Exporter}).
 */
public final class Evaluator extends CompletionService {

    /** Consumer group and transactional id. */
    public static final String GROUP = "kdml-evaluator";

    /** @param config Kafka, S3 and scratch folder */
    public Evaluator(PipelineConfig config) {
        super(config, GROUP, ResultKind.METRICS);
    }

    /** Data sets, kept open across the runs of one grid. */
    private final DataCache data = new DataCache();

    @Override
    public void close() throws InterruptedException {
        super.close();
        data.close();
    }

    @Override
    protected String name() {
        return "evaluator";
    }

    @Override
    protected ResultPayload process(RunEvent event, ExperimentSpec spec, Path runDir, CheckpointStore store,
            RunKeys keys) throws Exception {
        // Apart from the thread that polls, and single-threaded beside a trainer in this process
        // (kdml run): EngineTurns.
        return EngineTurns.inferenceApart(Thread.currentThread().getName() + "-run",
                () -> processHere(event, spec, runDir, store, keys));
    }

    private ResultPayload processHere(RunEvent event, ExperimentSpec spec, Path runDir, CheckpointStore store,
            RunKeys keys) throws Exception {
        LabeledImages data = this.data.get(spec.dataset(), spec.task());
        Path images = runDir.resolve("images");
        RunResult result = RunTrainer.evaluate(runDir, data, images);
        byte[] json = Specs.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(result);
        store.putBytes(keys.result(), json);
        if (Files.isRegularFile(images.resolve(RunLayout.HARDEST))) {
            store.putBytes(keys.hardest(), Files.readAllBytes(images.resolve(RunLayout.HARDEST)));
        }
        // Per-image predictions go to S3 beside the result, never into the Kafka message.
        if (Files.isRegularFile(images.resolve(RunLayout.PREDICTIONS))) {
            store.putBytes(keys.predictions(), Files.readAllBytes(images.resolve(RunLayout.PREDICTIONS)));
        }
        // The export step reads the evaluated result beside the checkpoint.
        Files.write(runDir.resolve(RunLayout.RESULT), json);
        return result;
    }

    /** The run's export, for specs with {@code export:} ({@link Exporter}). */
    @Override
    protected Map<ResultKind, ResultPayload> alsoPublish(RunEvent event, ExperimentSpec spec, Path runDir,
            CheckpointStore store, RunKeys keys) throws Exception {
        ExportResult export = Exporter.export(spec, runDir, store, keys);
        return export == null ? Map.of() : Map.of(ResultKind.EXPORT, export);
    }
}
