package org.kdml.cka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kdml.core.cka.RunCka;
import org.kdml.core.data.DataCache;
import org.kdml.core.data.LabeledImages;
import org.kdml.core.train.EngineTurns;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.CompletionService;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.ResultKind;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.RunKeys;
import org.kdml.results.CkaResult;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunLayout;
import org.kdml.spec.Specs;
import org.kdml.core.cka.CkaResults;

/**
 * The CKA analyzer: for every completed run, the layer-by-layer minibatch CKA of every pair of its
 * networks (teacher×S1, teacher×S2, S1×S2) on its test split (at most {@code sample} images),
 * published as {@code cka} on {@code kdml.results} with the layer names, and a heatmap PNG per
 * pair stored under {@code <experiment>/<run>/cka/}. A cell of a layer that is constant on the
 * sample is null in {@code values}, with its reason in the pair's {@code undefined} list.
 */
public final class CkaAnalyzer extends CompletionService {

    /** Consumer group and transactional id. */
    public static final String GROUP = "kdml-cka-analyzer";

    private final int sample;
    private final int batch;

    /**
     * @param sample at most this many test images per run
     * @param batch images per forward pass
     */
    public CkaAnalyzer(PipelineConfig config, int sample, int batch) {
        super(config, GROUP, ResultKind.CKA);
        if (sample < 4) {
            throw new IllegalArgumentException("sample: CKA needs at least 4 examples, got " + sample);
        }
        this.sample = sample;
        this.batch = batch;
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
        return "cka-analyzer";
    }

    @Override
    protected CkaResult process(RunEvent event, ExperimentSpec spec, Path runDir, CheckpointStore store,
            RunKeys keys) throws Exception {
        // Apart from the thread that polls, and single-threaded beside a trainer in this process
        // (kdml run): EngineTurns.
        return EngineTurns.inferenceApart(Thread.currentThread().getName() + "-run",
                () -> processHere(event, spec, runDir, store, keys));
    }

    private CkaResult processHere(RunEvent event, ExperimentSpec spec, Path runDir, CheckpointStore store,
            RunKeys keys) throws Exception {
        LabeledImages data = this.data.get(spec.dataset(), spec.task());
        RunCka.Analysis a = RunCka.analyze(runDir, data, sample, batch, runDir.resolve(RunLayout.CKA_DIR));
        Map<String, String> heatmaps = new LinkedHashMap<>();
        for (String pair : a.matrices().keySet()) {
            String key = keys.heatmap(pair);
            store.putBytes(key, Files.readAllBytes(a.heatmaps().get(pair)));
            heatmaps.put(pair, store.bucket() + "/" + key);
        }
        CkaResult result = CkaResults.of(a, batch, heatmaps::get);
        store.putBytes(keys.cka(), Specs.json().writeValueAsBytes(result));
        return result;
    }
}
