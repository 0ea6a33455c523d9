package org.kdml.cli;

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
import org.kdml.spec.Task;
import org.kdml.spec.Variant;
import org.kdml.spec.Specs;

/**
 * {@code kdml bench-cka}: throughput and peak memory of the analyzer's layer-by-layer minibatch
 * CKA between a teacher and a student (every block × every block) streamed over generated inputs.
 * Not part of the test suite.
 */
final class CkaBench {

    private CkaBench() {
    }

    static int run(List<String> args, PrintStream out) throws IOException {
        String teacher = Kdml.option(args, "--teacher", "resnet50");
        String student = Kdml.option(args, "--student", "resnet18");
        int size = Integer.parseInt(Kdml.option(args, "--size", "96"));
        int examples = Integer.parseInt(Kdml.option(args, "--examples", "10000"));
        int batch = Integer.parseInt(Kdml.option(args, "--batch", "50"));
        boolean json = args.remove("--json");
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        if (batch < 4 || examples < batch) {
            throw new IllegalArgumentException("--batch must be >= 4 and --examples >= --batch, got " + batch + ", "
                    + examples);
        }
        SharingGraph graph = Variant.parse("--variant", "kd-ml-v3", 2).graph();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, DistillNet> nets = NetworkSet.buildSeeded(1, Task.CLASSIFICATION, teacher, List.of(student, student),
                    graph, "--student", 2, size, manager);
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
