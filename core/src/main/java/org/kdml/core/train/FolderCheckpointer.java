package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.kdml.results.RunFolder;
import org.kdml.spec.Phase;

/**
 * {@code kdml train}'s checkpoints: the state {@link RunTrainer} saves (the same files a trainer
 * worker uploads to S3, without the S3 manifest) kept in a folder of the run's folder, one state at
 * a time, named after where it stands ({@code <phase>-<epoch>-<step>}). A state becomes visible
 * whole: it is copied under a temporary name and renamed, and only then is the older one deleted,
 * so that a process killed at any moment leaves a state to resume from.
 */
public final class FolderCheckpointer implements Checkpointer {

    private static final Pattern NAME = Pattern.compile("(teacher|joint)-(\\d{4})-(\\d{6})");
    private static final String PARTIAL = ".partial-";

    private final Path root;
    private final int every;

    /**
     * @param root where the states go (created on the first save)
     * @param every epochs between checkpoints (the last epoch of each phase is always saved); ≥ 1
     */
    public FolderCheckpointer(Path root, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every: must be >= 1, got " + every);
        }
        this.root = root;
        this.every = every;
    }

    @Override
    public int every() {
        return every;
    }

    /** @return the newest complete state, or null when there is none (partial copies are ignored) */
    @Override
    public Path resume() throws IOException {
        List<Path> states = states();
        return states.isEmpty() ? null : states.get(states.size() - 1);
    }

    @Override
    public void save(Path dir, Phase phase, int epoch, int step) throws IOException {
        Files.createDirectories(root);
        String name = name(phase, epoch, step);
        Path partial = root.resolve(PARTIAL + name);
        RunFolder.deleteTree(partial);
        Files.createDirectories(partial);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, partial.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path target = root.resolve(name);
        RunFolder.deleteTree(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        for (Path older : states()) {
            if (!older.equals(target)) {
                RunFolder.deleteTree(older);
            }
        }
    }

    /** Deletes every state (a finished run needs none; {@code --fresh} starts over). */
    public void clear() throws IOException {
        RunFolder.deleteTree(root);
    }

    /** {@code <phase>-<epoch, 4 digits>-<step, 6 digits>}, e.g. {@code joint-0003-000000}. */
    static String name(Phase phase, int epoch, int step) {
        return String.format(Locale.ROOT, "%s-%04d-%06d", phase.key(), epoch, step);
    }

    /** The complete states, oldest first: the teacher's phase before the joint one, then by epoch and step. */
    private List<Path> states() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing(FolderCheckpointer::order));
        return out;
    }

    private static String order(Path state) {
        Matcher m = NAME.matcher(state.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalStateException("not a state: " + state);
        }
        return (m.group(1).equals("teacher") ? "0" : "1") + m.group(2) + m.group(3);
    }
}
