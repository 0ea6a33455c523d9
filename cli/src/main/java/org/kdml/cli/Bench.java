package org.kdml.cli;

import org.kdml.tools.BenchExport;
import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.oneOf;

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
import org.kdml.core.distill.Methods;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.EdgeModuleSet;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.tensor.Tensors;
import org.kdml.core.train.DistillationSession;
import org.kdml.core.train.NetworkSet;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.TrainingSpec;
import org.kdml.spec.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdml bench}: images per second of one training step (forward, backward and Adam for
 * every network of a variant) on random data, after warm-up; prints mean, median and min step
 * times, the mean time of each phase of a step, parameter counts and the process's peak resident
 * memory. Not part of the test suite.
 */
@Command(name = "bench", description = "Images/s of one training step (forward + backward + Adam for every network"
        + " of a variant) on random data, after warm-up. A measuring instrument, not a test.")
final class Bench extends KdmlCommand {

    /** The step's hyper-parameters; {@code --export} writes the same ones for the PyTorch check. */
    private static final double LEARNING_RATE = 1e-3;
    private static final double ALPHA = 0.5;
    private static final double TEMPERATURE = 2.0;
    private static final List<String> TASKS = List.of("classification", "segmentation");

    @Option(names = "--task", paramLabel = "TASK", description = "classification or segmentation (U-Nets)")
    private String task = "classification";

    @Option(names = "--variant", paramLabel = "VARIANT", description = "a variant key, alone (the students without"
            + " teacher or edges), or baseline-<method> (an existing method: one student, frozen teacher)")
    private String variant = "kd-ml-v3";

    @Option(names = "--teacher", paramLabel = "ARCH", description = "the teacher's architecture")
    private String teacher = "resnet50";

    @Option(names = "--students", paramLabel = "ARCH", description = "the students' architecture")
    private String student = "resnet18";

    @Option(names = "--count", paramLabel = "N", description = "students")
    private int count = 2;

    @Option(names = "--size", paramLabel = "PIXELS", description = "image side")
    private int size = 96;

    @Option(names = "--batch", paramLabel = "N", description = "images per step")
    private int batch = 32;

    @Option(names = "--warmup", paramLabel = "N", description = "steps before measuring")
    private int warmup = 3;

    @Option(names = "--steps", paramLabel = "N", description = "steps measured")
    private int steps = 10;

    @Option(names = "--classes", paramLabel = "N", description = "classes of the classifiers")
    private int classes = 2;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Option(names = "--export", paramLabel = "DIR", description = "instead: write the initial weights, the batches,"
            + " the loss terms and the weights after the steps, for bench/pytorch_reference.py --check DIR")
    private String export;

    @Option(names = "--export-steps", paramLabel = "N", description = "steps written by --export")
    private int exportSteps = 1;

    @Option(names = "--churn", description = "with --export: force collections between forward and backward")
    private boolean churn;

    @Option(names = "--unfolded", description = "run a frozen teacher's training graph in inference mode instead of"
            + " its batch-norm-folded inference graph (to measure what folding gives)")
    private boolean unfolded;

    /** Step times after warm-up, mean seconds per phase, and minor page faults per step (-1: unknown). */
    private record Timings(List<Double> times, Map<String, Double> phases, double faultsPerStep,
            double tensorsPerStep) {
    }

    @Override
    int run(PrintStream out) throws IOException {
        boolean seg = oneOf("--task", "task", task, TASKS).equals("segmentation");
        atLeast("--export-steps", exportSteps, 1);
        atLeast("--steps", steps, 1);
        atLeast("--warmup", warmup, 0);
        atLeast("--batch", batch, 1);
        List<String> studentKeys = Collections.nCopies(atLeast("--count", count, 1), student);
        // "alone": the students without teacher or edges (plain supervised training of each).
        // "baseline-<key>": an existing method's variant (one student, frozen teacher, default hyper-parameters).
        TrainingSpec training = TrainingSpec.defaults();
        SharingGraph graph = variant.equals("alone") ? new SharingGraph(count, TeacherTraining.NONE, List.of())
                : variant.startsWith(ExperimentSpec.METHOD_PREFIX) ? ExperimentSpec.methodVariant(Knowledge.method(
                        "--variant", variant.substring(ExperimentSpec.METHOD_PREFIX.length())), training).graph()
                : Variant.parse("--variant", variant, count).graph();
        Engine.getInstance().setRandomSeed(1);
        NDManager manager = NDManager.newBaseManager();
        Task t = Task.of("--task", task);
        Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of(teacher, studentKeys, graph, classes, size).task(t)
                .graphField("--students").training(training), manager);
        TaskLoss taskLoss = seg ? TaskLoss.segmentation(2.0) : TaskLoss.CLASSIFICATION;
        Methods.Built built = Methods.build(graph, nets, training, taskLoss, size, manager);
        Map<String, Long> parameters = new LinkedHashMap<>();
        nets.forEach((node, net) -> parameters.put(node, net.trainableParameterCount()));
        built.modules().forEach((node, set) -> parameters.put(node + ".edges", set.parameterCount()));
        built.adversaries().forEach(a -> parameters.merge(a.node() + ".discriminator",
                EdgeModuleSet.count(a.discriminator()), Long::sum));
        Timings timings;
        try (DistillationSession s = new DistillationSession(manager, graph, nets, LEARNING_RATE, ALPHA, taskLoss,
                built);
                NDManager data = manager.newSubManager()) {
            NDArray x = data.randomNormal(new Shape(batch, 3, size, size));
            NDArray y = labels(data, seg ? new Shape(batch, 1, size, size) : new Shape(batch), seg);
            boolean frozen = graph.teacher() == TeacherTraining.FROZEN;
            s.foldFrozenTeacher(!unfolded);
            if (frozen) {
                s.teacherStep(x, y);
                s.freezeTeacher();
            }
            if (export != null) {
                export(s, data, x, y, seg, manifest(graph, studentKeys, frozen, parameters), out);
                return 0;
            }
            timings = measure(s, manager, x, y);
        }
        Map<String, Object> r = result(graph, studentKeys, parameters, timings);
        if (json) {
            out.println(Specs.json().writeValueAsString(r));
        } else {
            r.forEach((k, val) -> out.printf("%-26s %s%n", k, val));
        }
        return 0;
    }

    /** Random labels: a sparse mask per pixel for segmentation, a class per image otherwise. */
    private NDArray labels(NDManager data, Shape shape, boolean seg) {
        return seg ? Tensors.gt(data.randomUniform(0, 1, shape), 0.9).toType(DataType.FLOAT32, false)
                : data.randomInteger(0, classes, shape, DataType.INT64);
    }

    /** What {@code --export} writes beside the tensors: the networks, edges and hyper-parameters. */
    private Map<String, Object> manifest(SharingGraph graph, List<String> studentKeys, boolean frozen,
            Map<String, Long> parameters) {
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
        return m;
    }

    private void export(DistillationSession s, NDManager data, NDArray x, NDArray y, boolean seg,
            Map<String, Object> manifest, PrintStream out) throws IOException {
        List<NDArray> xs = new ArrayList<>(List.of(x));
        List<NDArray> ys = new ArrayList<>(List.of(y));
        for (int k = 1; k < exportSteps; k++) {
            xs.add(data.randomNormal(x.getShape()));
            ys.add(labels(data, y.getShape(), seg));
        }
        BenchExport.export(Path.of(export), s, xs, ys, manifest, churn);
        out.println("wrote " + export + "/manifest.json: initial weights, " + exportSteps + " batches, the loss"
                + " terms of every step and the weights after them" + (churn ? " (collections between forward"
                + " and backward)" : "") + "; compare with /usr/bin/python3 bench/pytorch_reference.py --check "
                + export);
    }

    /** Runs the warm-up and the measured steps, each on a copy of the batch in the step's own manager. */
    private Timings measure(DistillationSession s, NDManager manager, NDArray x, NDArray y) throws IOException {
        List<Double> times = new ArrayList<>();
        long faults0 = -1;
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            if (i == warmup) {
                s.clock().reset();
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
        Map<String, Double> phases = new LinkedHashMap<>();
        s.clock().seconds().forEach((k, sec) -> phases.put(k, sec / steps));
        double faultsPerStep = faults0 < 0 ? -1 : (minorFaults() - faults0) / (double) steps;
        return new Timings(times, phases, faultsPerStep, s.clock().tensors() / (double) steps);
    }

    private Map<String, Object> result(SharingGraph graph, List<String> studentKeys, Map<String, Long> parameters,
            Timings t) throws IOException {
        List<Double> sorted = new ArrayList<>(t.times());
        Collections.sort(sorted);
        double mean = t.times().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
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
        r.put("phase_seconds_mean", t.phases());
        r.put("page_faults_per_step", t.faultsPerStep());
        r.put("tensors_per_step", t.tensorsPerStep());
        r.put("teacher_folded", graph.teacher() == TeacherTraining.FROZEN && !unfolded);
        r.put("parameters", parameters);
        return r;
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
