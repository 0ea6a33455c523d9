package org.kdml.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {

    /** df = 1: p = 1 − 2·atan(|t|)/π, so t = 1 gives ½ and t = 3 gives 0.2048. */
    @Test
    void twoSidedPValuesOfKnownCases() {
        assertEquals(0.5, Stats.twoSidedP(1, 1), 1e-9);
        assertEquals(1 - 2 * Math.atan(3) / Math.PI, Stats.twoSidedP(3, 1), 1e-9);
        // The tabulated two-sided 5 % critical value for df = 10 is 2.228.
        assertEquals(0.05, Stats.twoSidedP(2.228, 10), 2e-4);
        assertEquals(1.0, Stats.twoSidedP(0, 5), 1e-12);
    }

    /** Differences 0.1, 0.3, 0.2: mean 0.2, sd 0.1, t = 0.2 / (0.1/√3) = 3.464, df 2. */
    @Test
    void pairedT() {
        Stats.Paired p = Stats.pairedT(new double[] {0.9, 0.8, 0.7}, new double[] {0.8, 0.5, 0.5});
        assertEquals(0.2, p.meanDiff(), 1e-12);
        assertEquals(2 * Math.sqrt(3), p.t(), 1e-9);
        assertEquals(2, p.df());
        assertTrue(p.p() > 0.05 && p.p() < 0.1, "p = " + p.p());
        assertTrue(Double.isNaN(Stats.pairedT(new double[] {1}, new double[] {0}).t()));
    }
}
