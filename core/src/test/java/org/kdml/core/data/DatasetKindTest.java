package org.kdml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;
import org.kdml.spec.Task;

/**
 * Every kind of the registry, iterated: what {@code kdml make-data} writes of a layout, the
 * loader of that layout opens, for the tasks its masks allow. A new kind is covered here without
 * editing a list.
 */
class DatasetKindTest {

    static List<DatasetKind> layouts() {
        return DatasetKind.layouts();
    }

    private static DatasetSpec spec(DatasetKind kind, Path root) {
        return new DatasetSpec(kind.key(), root.toString(), 32, null, null, null, null, null, false, null, 1, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void aWrittenSampleOpensForTheTasksItsMasksAllow(DatasetKind kind, @TempDir Path dir) throws Exception {
        Path root = dir.resolve("data");
        kind.writeSample(root, 60);
        // A CSV layout's root is its file; the writer puts labels.csv beside the images.
        DatasetSpec spec = spec(kind, kind.rootIsFile() ? root.resolve("labels.csv") : root);
        try (DiskImages d = Datasets.open(spec)) {
            assertTrue(d.size() > 0, kind + ": no images");
            assertTrue(d.classes() >= 2, kind + ": " + d.classes() + " classes");
        }
        if (kind.hasMasks()) {
            try (DiskImages d = Datasets.open(spec, Task.SEGMENTATION)) {
                assertTrue(d.size() > 0, kind + ": no images with masks");
            }
        } else {
            SpecException e = assertThrows(SpecException.class, () -> Datasets.check(spec, Task.SEGMENTATION));
            assertTrue(e.getMessage().startsWith("dataset.kind: segmentation needs masks; " + kind.key()), e.getMessage());
        }
    }

    @Test
    void theListsOfDatasetsAreTheRegistrysKeys() {
        assertEquals(List.of("synthetic-patches", "synthetic-scans", "pcam", "pcam-h5", "lgg", "ham10000", "imagefolder",
                "csv", "maskfolder"), Datasets.KEYS);
        assertEquals(List.of("synthetic-scans", "lgg", "ham10000", "maskfolder"), Datasets.WITH_MASKS);
        assertEquals(List.of("pcam-h5"), Datasets.WITH_OFFICIAL_SPLITS);
        assertEquals(List.of("imagefolder", "csv"), Datasets.WITH_GIVEN_SPLITS);
        assertEquals(DatasetKind.CSV, DatasetKind.byKey("csv"));
        assertNull(DatasetKind.byKey("imagenet"));
        IllegalStateException generated = assertThrows(IllegalStateException.class,
                () -> DatasetKind.SYNTHETIC_PATCHES.writeSample(Path.of("unused"), 1));
        assertEquals("synthetic-patches has no published layout to write a sample of", generated.getMessage());
    }
}
