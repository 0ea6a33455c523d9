package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Mode;
import org.kdml.spec.Variant;
import org.kdml.spec.Version;

/** Names of variants come from the registries (modes, versions, methods), so a new entry is named without editing here. */
class ResultNamesTest {

    @Test
    void theNamesAsThePaperWritesThem() {
        assertEquals("KD+ML V3", ResultNames.header("kd-ml-v3"));
        assertEquals("ML V1", ResultNames.header("ml-v1"));
        assertEquals("FitNets", ResultNames.header(ExperimentSpec.METHOD_PREFIX + "fitnet"));
        assertEquals("SimKD", ResultNames.header(ExperimentSpec.METHOD_PREFIX + "simkd"));
        assertEquals("custom", ResultNames.header("custom"));
        assertEquals("T", ResultNames.label("teacher"));
        assertEquals("S2", ResultNames.label("s2"));
        assertEquals("Ensemble-mean", ResultNames.label("ensemble-mean"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void everyPresetIsNamedByItsModeAndVersion(Mode mode) {
        for (Version v : Version.values()) {
            assertEquals(mode.display() + " " + v.key().toUpperCase(), ResultNames.header(Variant.presetKey(mode, v)));
        }
    }

    @Test
    void everyMethodHasItsOwnName() {
        Set<String> seen = new HashSet<>();
        for (Knowledge k : Knowledge.methods(null)) {
            String name = ResultNames.header(ExperimentSpec.METHOD_PREFIX + k.key());
            assertEquals(k.display(), name);
            assertEquals(true, seen.add(name), "two methods named " + name);
        }
    }
}
