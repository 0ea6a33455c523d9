package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

    /** 2, 4, 9: mean 5, squared deviations 9 + 1 + 16 = 26, sample variance 26 / 2 = 13. */
    @Test
    void meanAndSampleStandardDeviationOfAWorkedCase() {
        Summary s = Summary.of(List.of(2.0, 4.0, 9.0));
        assertEquals(5.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(13), s.std(), 1e-12);
        assertEquals(3, s.n());
        assertEquals("5.000±3.606", s.toString());
        assertEquals(s, Summary.of(2, 4, 9));
    }

    @Test
    void oneValueHasNoSpreadAndNoneIsAnError() {
        Summary one = Summary.of(List.of(0.25));
        assertEquals(0.0, one.std());
        assertEquals("0.250", one.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of(List.of()));
        assertEquals("nothing to summarise", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new Summary(1, -1, 2));
        assertEquals("std: must be >= 0, got -1.0", bad.getMessage());
    }
}
