package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.spec.SpecException;

/** With a data root configured, a data set's root cannot leave it: not absolute, no {@code ..}, no symlink out. */
class DataRootTest {

    @AfterEach
    void clear() {
        System.clearProperty("kdml.data.root");
    }

    @Test
    void rootsStayInsideTheConfiguredDataRoot(@TempDir Path tmp) throws Exception {
        Path base = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(base.resolve("pcam"));
        Path outside = Files.createDirectories(tmp.resolve("secrets"));
        Files.createSymbolicLink(base.resolve("escape"), outside);
        System.setProperty("kdml.data.root", base.toString());

        assertEquals(base.resolve("pcam"), Datasets.resolveRoot("pcam"));
        SpecException absolute = assertThrows(SpecException.class, () -> Datasets.resolveRoot(outside.toString()));
        assertEquals("dataset.root", absolute.field());
        assertEquals("dataset.root: '" + outside + "' is absolute; give a path relative to the data root"
                + " (KDML_DATA_ROOT)", absolute.getMessage());
        SpecException up = assertThrows(SpecException.class, () -> Datasets.resolveRoot("pcam/../../secrets"));
        assertEquals("dataset.root: 'pcam/../../secrets' contains '..'; it must stay inside the data root"
                + " (KDML_DATA_ROOT)", up.getMessage());
        SpecException link = assertThrows(SpecException.class, () -> Datasets.resolveRoot("escape"));
        assertEquals("dataset.root: 'escape' leads outside the data root (KDML_DATA_ROOT) through a symbolic link",
                link.getMessage());

        System.clearProperty("kdml.data.root");
        assertEquals(outside, Datasets.resolveRoot(outside.toString()));
    }
}
