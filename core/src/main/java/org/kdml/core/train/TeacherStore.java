package org.kdml.core.train;

import java.io.IOException;
import java.util.Map;
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
}
