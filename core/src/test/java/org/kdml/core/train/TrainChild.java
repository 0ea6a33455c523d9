package org.kdml.core.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Specs;
import org.kdml.results.EpochRecord;
import org.kdml.results.RunResult;

/**
 * Trains the specs named on the command line in this JVM and writes, per run, every test metric
 * and every epoch's losses and validation scores to the last argument (JSON): what
 * {@link CollectorsAgreeIT} compares between two JVMs with different garbage collectors.
 */
public final class TrainChild {

    private TrainChild() {
    }

    /** @param args spec files…, then the output file */
    public static void main(String[] args) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            Path file = Path.of(args[i]);
            ExperimentSpec spec = Specs.parse(Files.readString(file), file.toString());
            for (RunResult r : ExperimentRunner.run(spec, null, TrainingListener.NONE)) {
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("runId", r.runId());
                run.put("networks", r.networks());
                List<Object> history = new ArrayList<>();
                for (EpochRecord e : r.history()) {
                    history.add(List.of(e.phase(), e.epoch(), e.train(), e.validation()));
                }
                run.put("history", history);
                run.put("skippedUpdates", r.skippedUpdates());
                out.add(run);
            }
        }
        Files.writeString(Path.of(args[args.length - 1]), Specs.json().writeValueAsString(out));
    }
}
