package org.kdml.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README's contract table is the code's ({@link Topics#table()}), character for character. */
class ContractTableTest {

    @Test
    void readmeShowsTheContractAsTheCodeDefinesIt() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("| topic | key | value (JSON) |");
        assertTrue(start >= 0, "README has no contract table");
        int end = readme.indexOf("\n\n", start);
        assertEquals(Topics.table(), readme.substring(start, end + 1),
                "README's contract table differs from Topics.table(); paste the latter into README");
    }

    @Test
    void everyValueTypeIsAJsonRecordOrText() {
        assertEquals("{runId, experiment, variant, seed, specHash, index, total, spec}", Topics.RUNS.fields());
        assertEquals("", Topics.SPECS.fields());
        assertEquals(5, Topics.names().size());
        assertEquals(6, Topics.RUNS.partitions());
        assertEquals("-1", Topics.EVENTS.configs().get("retention.ms"));
    }
}
