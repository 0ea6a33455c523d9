package org.kdml.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The report's statistics on cases worked by hand. */
class StatsTest {

    /** df = 1: p = 1 − 2·atan(|t|)/π, so t = 1 gives ½ and t = 3 gives 0.2048. */
    @Test
    void twoSidedPValuesOfKnownCases() {
        assertEquals(0.5, Stats.twoSidedP(1, 1), 1e-9);
        assertEquals(1 - 2 * Math.atan(3) / Math.PI, Stats.twoSidedP(3, 1), 1e-9);
        assertEquals(1 - 2 * Math.atan(3) / Math.PI, Stats.twoSidedP(-3, 1), 1e-9);
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
        assertTrue(p.defined());
        Stats.Paired one = Stats.pairedT(new double[] {1}, new double[] {0});
        assertEquals("undefined: one pair (seed)", one.undefined());
        assertTrue(Double.isNaN(one.p()));
    }

    /**
     * The quick-start report once printed {@code paired t(1) = 120095990063213.00, p = 0.000} for two
     * seeds that each differ by one image of 150 (0.00667), up to float rounding: no spread, no test.
     */
    @Test
    void equalDifferencesUpToRoundingAreUndefinedNotSignificant() {
        Stats.Paired p = Stats.pairedT(new double[] {0.98, 0.9733333333333334}, new double[] {0.9733333333333334,
            0.9666666666666667});
        assertFalse(p.defined());
        assertEquals("undefined: the same difference on every seed (no spread to test against)", p.undefined());
        assertTrue(Double.isNaN(p.p()) && Double.isNaN(p.t()));
        assertEquals("undefined: no difference on any seed", Stats.pairedT(new double[] {0.5, 0.7},
                new double[] {0.5, 0.7}).undefined());
    }

    /** b = 1, c = 6: p = 2·P(X ≤ 1 | 7, ½) = 2·(1 + 7)/128 = 0.125; b = c = 2: 2·11/16 > 1, so 1. */
    @Test
    void mcNemarExact() {
        assertEquals(0.125, Stats.mcNemar(1, 6).p(), 1e-12);
        assertEquals(0.125, Stats.mcNemar(6, 1).p(), 1e-12);
        assertEquals(1.0, Stats.mcNemar(2, 2).p(), 1e-12);
        assertEquals("undefined: the two agree on every image", Stats.mcNemar(0, 0).undefined());
        Stats.McNemar m = Stats.mcNemar(new boolean[] {true, true, false, false, true}, new boolean[] {true, false,
            true, true, true});
        assertEquals(1, m.b());
        assertEquals(2, m.c());
        // P(X ≤ 1 | 3, ½) = 4/8, doubled: 1.
        assertEquals(1.0, m.p(), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stats.mcNemar(-1, 2));
        assertEquals("discordant counts must be >= 0, got -1 and 2", e.getMessage());
    }

    @Test
    void pairedBootstrapHoldsTheDifferenceAndRepeats() {
        boolean[] a = {true, true, true, false, true, true, false, true};
        boolean[] b = {true, false, false, false, true, true, false, true};
        Stats.Interval i = Stats.pairedBootstrap(a, b, 0.95, 2000, 1);
        assertEquals(0.25, i.difference(), 1e-12, "6/8 − 4/8");
        assertTrue(i.low() >= 0 && i.low() <= 0.25 && i.high() >= 0.25 && i.high() <= 0.75, i.toString());
        assertEquals(i, Stats.pairedBootstrap(a, b, 0.95, 2000, 1), "a fixed seed: the same interval");
        // Every image differs alike: every resample gives the same difference.
        Stats.Interval point = Stats.pairedBootstrap(new boolean[] {true, true}, new boolean[] {false, false}, 0.95,
                100, 1);
        assertEquals(1.0, point.low());
        assertEquals(1.0, point.high());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Stats.pairedBootstrap(new boolean[2], new boolean[3], 0.95, 10, 1));
        assertEquals("need paired samples of equal, non-zero length, got 2 and 3", e.getMessage());
    }

    /**
     * p = 0.01, 0.04, 0.03, 0.20 (m = 4): sorted 0.01·4 = 0.04, 0.03·3 = 0.09, 0.04·2 = 0.08 → 0.09
     * (never below the one before), 0.20·1 = 0.20. An undefined (NaN) test leaves the family.
     */
    @Test
    void holmByHand() {
        assertArrayEquals(new double[] {0.04, 0.09, 0.09, 0.20}, Stats.holm(new double[] {0.01, 0.04, 0.03, 0.20}),
                1e-12);
        double[] withUndefined = Stats.holm(new double[] {0.01, Double.NaN, 0.03});
        assertEquals(0.02, withUndefined[0], 1e-12);
        assertTrue(Double.isNaN(withUndefined[1]));
        assertEquals(0.03, withUndefined[2], 1e-12);
        assertEquals(1.0, Stats.holm(new double[] {0.5, 0.6})[0], 1e-12, "capped at 1");
    }
}
