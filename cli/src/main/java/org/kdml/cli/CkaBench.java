package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.cka.LayerCka;
import org.kdml.core.model.DistillNet;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Variant;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdml bench-cka}: throughput and peak memory of the analyzer's layer-by-layer minibatch
 * CKA between a teacher and a student (every block × every block) streamed over generated inputs.
 * Not part of the test suite.
 */
@Command(name = "bench-cka", description = "Examples/s and peak memory of the analyzer's layer-by-layer CKA"
        + " between a teacher and a student on generated inputs (not a test).")
final class CkaBench extends KdmlCommand {

    @Option(names = "--teacher", paramLabel = "ARCH", description = "the teacher's architecture")
    private String teacher = "resnet50";

    @Option(names = "--student", paramLabel = "ARCH", description = "the student's architecture")
    private String student = "resnet18";

    @Option(names = "--size", paramLabel = "PIXELS", description = "image side")
    private int size = 96;

    @Option(names = "--examples", paramLabel = "N", description = "examples streamed (>= --batch)")
    private int examples = 10000;

    @Option(names = "--batch", paramLabel = "N", description = "examples per minibatch (>= 4)")
    private int batch = 50;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    int run(PrintStream out) throws IOException {
        atLeast("--batch", batch, 4);
        atLeast("--examples", examples, batch);
        SharingGraph graph = Variant.parse("--variant", "kd-ml-v3", 2).graph();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, DistillNet> nets = NetworkSet.buildSeeded(1, NetworkSet.Plan.of(teacher, List.of(student, student),
                    graph, 2, size).graphField("--student"), manager);
            int batches = examples / batch;
            double rssBefore = Bench.peakRssMb();
            long t0 = System.nanoTime();
            String t = SharingGraph.TEACHER;
            LayerCka m = LayerCka.compute(t, nets.get(t), "s1", nets.get("s1"), batches, (k, mgr) -> {
                Engine.getInstance().setRandomSeed(1000 + k);
                return mgr.randomNormal(new Shape(batch, 3, size, size));
            }, manager);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("pair", teacher + " x " + student);
            r.put("layers", m.rows().size() + "x" + m.cols().size());
            r.put("size", size);
            r.put("examples", batches * batch);
            r.put("batch", batch);
            r.put("seconds", seconds);
            r.put("examples_per_second", batches * batch / seconds);
            r.put("peak_rss_mb_before", rssBefore);
            r.put("peak_rss_mb", Bench.peakRssMb());
            if (json) {
                out.println(Specs.json().writeValueAsString(r));
            } else {
                r.forEach((k, v) -> out.println(k + ": " + v));
            }
            return 0;
        }
    }
}
