package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.tools.Stack;

/**
 * The embedded stack returns from its start only once its in-process workers share the 6
 * partitions of {@code kdml.runs}: a worker that joined after runs were published would take
 * partitions from one already training, which would stop its run and hand it over.
 */
class StackWorkersIT {

    @Test
    void startReturnsWithTheRunsPartitionsSharedByEveryWorker(@TempDir Path tmp) throws Exception {
        try (Stack stack = new Stack(Stack.Settings.in(tmp).withWorkers(2)).start(Map.of("KDML_S3_ACCESS_KEY",
                "it-access", "KDML_S3_SECRET_KEY", "it-secret-key"))) {
            assertEquals(List.of(3, 3), stack.workerPartitions());
        }
    }
}
