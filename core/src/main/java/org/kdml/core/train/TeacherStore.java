package org.kdml.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.kdml.results.RunFolder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where trained frozen teachers are kept by key, so that each is trained once: an experiment
 * trained in process keeps them in memory ({@link #inMemory}); the trainer workers keep them in S3.
 */
public interface TeacherStore {

    /**
     * @param key a teacher key ({@link org.kdml.spec.TeacherKey#value})
     * @return the teacher trained under {@code key}, or null when none is
     */
    TrainedTeacher find(String key) throws IOException;

    /** Keeps {@code teacher} under its key; a second one under the same key is the same network. */
    void put(TrainedTeacher teacher) throws IOException;

    /** Keeps nothing: every run trains its own teacher. */
    TeacherStore NONE = new TeacherStore() {
        @Override
        public TrainedTeacher find(String key) {
            return null;
        }

        @Override
        public void put(TrainedTeacher teacher) {
            // nothing kept
        }
    };

    /** @return a store in this process's memory */
    static TeacherStore inMemory() {
        Map<String, TrainedTeacher> teachers = new ConcurrentHashMap<>();
        return new TeacherStore() {
            @Override
            public TrainedTeacher find(String key) {
                return teachers.get(key);
            }

            @Override
            public void put(TrainedTeacher teacher) {
                teachers.putIfAbsent(teacher.record().key(), teacher);
            }
        };
    }

    /**
     * @return a store in {@code root}, one folder per key ({@link TrainedTeacher#write}), shared by
     *     the runs of one experiment across {@code kdml train} invocations: a run skipped because it
     *     finished earlier leaves its teacher to the runs that still need it. A teacher appears whole
     *     (written under a temporary name, then renamed).
     */
    static TeacherStore inFolder(Path root) {
        return new TeacherStore() {
            @Override
            public TrainedTeacher find(String key) throws IOException {
                Path dir = root.resolve(key);
                return Files.isDirectory(dir) ? TrainedTeacher.read(dir) : null;
            }

            @Override
            public void put(TrainedTeacher teacher) throws IOException {
                Path dir = root.resolve(teacher.record().key());
                if (Files.isDirectory(dir)) {
                    return;
                }
                Path partial = root.resolve(".partial-" + teacher.record().key());
                RunFolder.deleteTree(partial);
                teacher.write(partial);
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            }
        };
    }
}
