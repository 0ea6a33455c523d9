package org.kdml.core.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.Datasets;
import org.kdml.core.data.DiskImages;
import org.kdml.core.distill.Methods;
import org.kdml.core.loss.TaskLoss;
import org.kdml.core.model.Architectures;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.RunSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Specs;
import org.kdml.spec.Task;
import org.kdml.spec.TeacherTraining;
import org.kdml.spec.Variant;
import org.kdml.results.Provenance;
import org.kdml.results.RunFolder;
import org.kdml.results.RunResult;

/** Runs every run of an experiment in process, one after another. */
public final class ExperimentRunner {

    private ExperimentRunner() {
    }

    /**
     * Checks everything that can be checked before training: architecture keys, the dataset key
     * and the shapes of every feature edge of every variant.
     *
     * @throws org.kdml.spec.SpecException naming the field that is wrong
     */
    public static void validate(ExperimentSpec spec) {
        for (int i = 0; i < spec.students().size(); i++) {
            Architectures.of("students[" + i + "]", spec.students().get(i));
        }
        boolean teacher = spec.variants().stream().anyMatch(v -> v.graph().teacher() != TeacherTraining.NONE);
        if (teacher) {
            Architectures.of("teacher", spec.teacher());
        }
        Datasets.check(spec.dataset(), spec.task());
        if (spec.teacherCheckpoint() != null && !Files.exists(Path.of(spec.teacherCheckpoint()))) {
            throw new SpecException("teacherCheckpoint", "not found: " + spec.teacherCheckpoint());
        }
        for (var w : spec.weights().entrySet()) {
            if (!Files.isRegularFile(Path.of(w.getValue()))) {
                throw new SpecException("weights." + w.getKey(), "file not found: " + w.getValue());
            }
        }
        // Building the networks runs libtorch: on a thread that ends with it, so that no OpenMP team
        // outlives the check on the caller's thread (an orchestrator's, a CLI's: EngineTurns).
        try {
            EngineTurns.apart("kdml-validate", () -> {
                for (Variant v : spec.variants()) {
                    boolean methods = v.graph().edges().stream().anyMatch(e -> e.knowledge().isMethod());
                    int size = spec.task() == Task.SEGMENTATION || methods ? spec.dataset().imageSize() : 32;
                    try (NDManager m = NDManager.newBaseManager()) {
                        Map<String, DistillNet> nets = NetworkSet.build(NetworkSet.Plan.of(spec, v,
                                spec.dataset().classes() == null ? 2 : spec.dataset().classes(), size), m);
                        if (methods) {
                            // The edge modules join the shapes they read: build them once to check.
                            Methods.build(v.graph(), nets, spec.training(), spec.task() == Task.SEGMENTATION
                                    ? TaskLoss.segmentation(spec.training().focalGamma()) : TaskLoss.CLASSIFICATION,
                                    size, m);
                        }
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@link #run(ExperimentSpec, Path, TrainingListener, boolean)} without {@code fresh}: finished
     * runs are kept, interrupted ones resumed.
     */
    public static List<RunResult> run(ExperimentSpec spec, Path outDir, TrainingListener listener) throws IOException {
        return run(spec, outDir, listener, false);
    }

    /**
     * Validates the spec, opens its data once and trains every run. With {@code outDir}, each run
     * checkpoints every epoch into {@code <run>/checkpoints/} ({@link FolderCheckpointer}) and
     * resumes from there when it was interrupted (the same numbers as a run that never stopped);
     * a run whose folder already holds a {@code result.json} of the same run id, code version and
     * thread count is not trained again ({@link #finished}); frozen teachers are kept in
     * {@code <experiment>/teachers/} so that runs trained later find them.
     *
     * @param spec the experiment
     * @param outDir results go to {@code outDir/<experiment>/<runId>/}, or null to keep nothing
     * @param listener hears progress
     * @param fresh train every run from the start, whatever its folder holds
     * @return one result per run, in {@link Specs#runs} order
     */
    public static List<RunResult> run(ExperimentSpec spec, Path outDir, TrainingListener listener, boolean fresh)
            throws IOException {
        validate(spec);
        try (DiskImages data = Datasets.open(spec.dataset(), spec.task())) {
            if (!data.skipped().isEmpty()) {
                listener.onWarning("skipped " + data.skipped().size() + " bad items of " + spec.dataset().kind()
                        + " (dataset.skipBad is on); first: " + data.skipped().get(0));
            }
            List<RunResult> results = new ArrayList<>();
            List<RunSpec> runs = Specs.runs(spec);
            Path experiment = outDir == null ? null : outDir.resolve(spec.name());
            // Each frozen teacher is trained once (by the first run with its key) and reused by the others.
            TeacherStore teachers = experiment == null ? TeacherStore.inMemory()
                    : TeacherStore.inFolder(experiment.resolve(TEACHERS));
            if (fresh && experiment != null) {
                RunFolder.deleteTree(experiment.resolve(TEACHERS));
            }
            for (RunSpec run : runs) {
                listener.onRunStart(run, results.size() + 1, runs.size());
                Path dir = experiment == null ? null : experiment.resolve(run.runId());
                RunResult done = dir == null || fresh ? null : finished(dir, run);
                if (done != null) {
                    listener.onWarning("run " + run.runId() + " (" + run.variant().key() + " seed " + run.seed()
                            + ") finished before: its result.json is kept (--fresh trains it again)");
                    results.add(done);
                    continue;
                }
                FolderCheckpointer checkpoints = dir == null ? null : new FolderCheckpointer(dir.resolve(CHECKPOINTS), 1);
                if (checkpoints != null && fresh) {
                    checkpoints.clear();
                }
                results.add(RunTrainer.train(run, data, dir, listener, checkpoints == null ? Checkpointer.NONE
                        : checkpoints, true, 1, teachers));
                if (checkpoints != null) {
                    checkpoints.clear();
                }
            }
            return results;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("closing " + spec.dataset().kind() + " failed", e);
        }
    }

    /** A run folder's checkpoints ({@link FolderCheckpointer}). */
    public static final String CHECKPOINTS = "checkpoints";

    /** An experiment folder's frozen teachers ({@link TeacherStore#inFolder}). */
    public static final String TEACHERS = "teachers";

    /**
     * The result a finished run left in {@code dir}: its {@code result.json} when that holds the
     * same run id, was made by the same code version (kdml's version and commit) with the same
     * PyTorch thread count as this process (the numbers depend on it), and has test metrics; null
     * otherwise, and when there is none.
     */
    static RunResult finished(Path dir, RunSpec run) throws IOException {
        if (!RunFolder.hasResult(dir)) {
            return null;
        }
        RunResult r = RunFolder.readResult(dir);
        Provenance p = r.provenance();
        boolean tested = !r.networks().isEmpty() && r.networks().values().stream().allMatch(n -> n.test() != null || n.segmentation() != null);
        return run.runId().equals(r.runId()) && p != null && Provenance.currentCodeVersion().equals(p.codeVersion())
                && p.threads() == RunProvenance.threads() && tested ? r : null;
    }
}
