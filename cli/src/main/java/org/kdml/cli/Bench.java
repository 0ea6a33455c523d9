package org.kdml.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.model.DistillNet;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.tensor.Tensors;
import org.kdml.core.train.DistillationSession;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Variant;

/**
 * {@code kdml bench}: images per second of one training step (forward, backward and Adam for
 * every network of a variant) on random data, after warm-up; prints mean, median and min step
 * times, the mean time of each phase of a step, parameter counts and the process's peak resident
 * memory. Not part of the test suite.
 */
final class Bench {

    /** The step's hyper-parameters; {@code --export} writes the same ones for the PyTorch check. */
    private static final double LEARNING_RATE = 1e-3;
    private static final double ALPHA = 0.5;
    private static final double TEMPERATURE = 2.0;

    private Bench() {
    }

    static int run(List<String> args, PrintStream out) throws IOException {
        String variant = Kdml.option(args, "--variant", "kd-ml-v3");
        String teacher = Kdml.option(args, "--teacher", "resnet50");
        String student = Kdml.option(args, "--students", "resnet18");
        int students = Integer.parseInt(Kdml.option(args, "--count", "2"));
        int size = Integer.parseInt(Kdml.option(args, "--size", "96"));
        int batch = Integer.parseInt(Kdml.option(args, "--batch", "32"));
        int warmup = Integer.parseInt(Kdml.option(args, "--warmup", "3"));
        int steps = Integer.parseInt(Kdml.option(args, "--steps", "10"));
        int classes = Integer.parseInt(Kdml.option(args, "--classes", "2"));
        String task = Kdml.option(args, "--task", "classification");
        boolean seg = task.equals("segmentation");
        if (!seg && !task.equals("classification")) {
            throw new IllegalArgumentException("--task: unknown task '" + task + "'; valid: classification, segmentation");
        }
        String export = Kdml.option(args, "--export", null);
        int exportSteps = Integer.parseInt(Kdml.option(args, "--export-steps", "1"));
        boolean churn = args.remove("--churn");
        if (exportSteps < 1) {
            throw new IllegalArgumentException("--export-steps must be >= 1, got " + exportSteps);
        }
        boolean json = args.remove("--json");
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
        List<String> studentKeys = Collections.nCopies(students, student);
        // "alone": the students without teacher or edges (plain supervised training of each).
        SharingGraph graph = variant.equals("alone") ? new SharingGraph(students, TeacherTraining.NONE, List.of())
                : Variant.parse("--variant", variant, students).graph();
        Engine.getInstance().setRandomSeed(1);
        NDManager manager = NDManager.newBaseManager();
        Map<String, DistillNet> nets = NetworkSet.build(Task.of("--task", task), teacher, studentKeys, graph, "--students", classes, size,
                manager);
        Map<String, Long> parameters = new LinkedHashMap<>();
        nets.forEach((node, net) -> parameters.put(node, net.trainableParameterCount()));
        List<Double> times = new ArrayList<>();
        Map<String, Double> phases = new LinkedHashMap<>();
        long faults0 = -1;
        double faultsPerStep = -1;
        try (DistillationSession s = new DistillationSession(manager, graph, nets, LEARNING_RATE, ALPHA, TEMPERATURE,
                seg ? TaskLoss.segmentation(2.0) : TaskLoss.CLASSIFICATION);
                NDManager data = manager.newSubManager()) {
            NDArray x = data.randomNormal(new Shape(batch, 3, size, size));
            NDArray y = seg ? Tensors.gt(data.randomUniform(0, 1, new Shape(batch, 1, size, size)), 0.9).toType(DataType.FLOAT32, false)
                    : data.randomInteger(0, classes, new Shape(batch), DataType.INT64);
            boolean frozen = graph.teacher() == TeacherTraining.FROZEN;
            if (frozen) {
                s.teacherStep(x, y);
                s.freezeTeacher();
            }
            if (export != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("task", task);
                m.put("teacher", graph.teacher() == TeacherTraining.NONE ? null : teacher);
                m.put("students", studentKeys);
                m.put("classes", classes);
                m.put("edges", graph.edges().stream().map(e -> List.of(e.from(), e.to(), e.knowledge().key())).toList());
                m.put("frozen", frozen);
                m.put("alpha", ALPHA);
                m.put("temperature", TEMPERATURE);
                m.put("lr", LEARNING_RATE);
                m.put("parameters", parameters);
                List<NDArray> xs = new ArrayList<>(List.of(x));
                List<NDArray> ys = new ArrayList<>(List.of(y));
                for (int k = 1; k < exportSteps; k++) {
                    xs.add(data.randomNormal(x.getShape()));
                    ys.add(seg ? Tensors.gt(data.randomUniform(0, 1, y.getShape()), 0.9).toType(DataType.FLOAT32, false)
                            : data.randomInteger(0, classes, y.getShape(), DataType.INT64));
                }
                Exporter.export(Path.of(export), s, xs, ys, m, churn);
                out.println("wrote " + export + "/manifest.json: initial weights, " + exportSteps + " batches, the loss"
                        + " terms of every step and the weights after them" + (churn ? " (collections between forward"
                        + " and backward)" : "") + "; compare with /usr/bin/python3 bench/pytorch_reference.py --check "
                        + export);
                return 0;
            }
            for (int i = 0; i < warmup + steps; i++) {
                long t0 = System.nanoTime();
                if (i == warmup) {
                    s.resetPhases();
                    faults0 = minorFaults();
                }
                try (NDManager step = manager.newSubManager()) {
                    // Copies in the step's manager, so the step's intermediates are freed with it.
                    NDArray xs = x.duplicate();
                    xs.attach(step);
                    s.jointStep(xs, y);
                }
                if (i >= warmup) {
                    times.add((System.nanoTime() - t0) / 1e9);
                }
            }
            s.phaseSeconds().forEach((k, sec) -> phases.put(k, sec / steps));
            faultsPerStep = faults0 < 0 ? -1 : (minorFaults() - faults0) / (double) steps;
        }
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        double mean = times.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double median = sorted.get(sorted.size() / 2);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("task", task);
        r.put("variant", variant);
        r.put("teacher", graph.teacher() == TeacherTraining.NONE ? null : teacher);
        r.put("students", studentKeys);
        r.put("size", size);
        r.put("batch", batch);
        r.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
        r.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        r.put("device", Engine.getInstance().defaultDevice().toString());
        r.put("steps", steps);
        r.put("step_seconds_mean", mean);
        r.put("step_seconds_median", median);
        r.put("step_seconds_min", sorted.get(0));
        r.put("images_per_second", batch / mean);
        r.put("images_per_second_median", batch / median);
        r.put("peak_rss_mb", peakRssMb());
        r.put("phase_seconds_mean", phases);
        r.put("page_faults_per_step", faultsPerStep);
        r.put("parameters", parameters);
        if (json) {
            out.println(Specs.json().writeValueAsString(r));
        } else {
            r.forEach((k, val) -> out.printf("%-26s %s%n", k, val));
        }
        return 0;
    }

    /** Minor page faults of this process so far (/proc/self/stat), or -1 where /proc is missing. */
    static long minorFaults() throws IOException {
        Path stat = Path.of("/proc/self/stat");
        if (!Files.exists(stat)) {
            return -1;
        }
        String s = Files.readString(stat);
        // Fields after the command name (which may hold spaces) in parentheses; minflt is field 10.
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is missing. */
    static double peakRssMb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }
}
