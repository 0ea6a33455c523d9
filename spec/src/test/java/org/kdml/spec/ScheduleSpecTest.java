package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code training.schedule}: the rate at each epoch by hand, defaults that change nothing, checked input. */
class ScheduleSpecTest {

    private static final String BASE = String.join("\n",
            "name: sch",
            "dataset: {kind: synthetic-patches, imageSize: 32, samples: 100}",
            "teacher: resnet50-tiny",
            "students: [resnet18-tiny, resnet18-tiny]",
            "modes: [kd-off]",
            "versions: [v3]",
            "");

    private static void rates(ScheduleSpec s, int epochs, double... expected) {
        for (int e = 0; e < epochs; e++) {
            assertEquals(expected[e], s.rate(0.1, e, epochs), 1e-12, s + " epoch " + e);
        }
    }

    @Test
    void ratesByHand() {
        // step every 2, γ 0.5: 0.1, 0.1, 0.05, 0.05, 0.025
        rates(new ScheduleSpec("step", null, 2, 0.5), 5, 0.1, 0.1, 0.05, 0.05, 0.025);
        // cosine over 4 epochs: 0.1·(1 + cos(πk/4))/2 = 0.1, 0.0853553, 0.05, 0.0146447
        rates(new ScheduleSpec("cosine", null, null, null), 4, 0.1, 0.1 * (1 + Math.sqrt(0.5)) / 2, 0.05,
                0.1 * (1 - Math.sqrt(0.5)) / 2);
        // 2 warm-up epochs (0.05, 0.1), then cosine over the other 3: 0.1, 0.075, 0.025
        rates(new ScheduleSpec("cosine", 2, null, null), 5, 0.05, 0.1, 0.1, 0.075, 0.025);
        // warm-up then constant
        rates(new ScheduleSpec("constant", 4, null, null), 5, 0.025, 0.05, 0.075, 0.1, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScheduleSpec("cosine", null, null, null).rate(0.1, 4, 4));
        assertEquals("epoch 4 is not one of the phase's 4", e.getMessage());
    }

    @Test
    void aConstantScheduleIsNoScheduleAndHashesAsAbsent() {
        ExperimentSpec plain = Specs.parse(BASE, "a.yaml");
        ExperimentSpec constant = Specs.parse(BASE + "training: {schedule: {kind: constant, warmup: 0}}\n", "b.yaml");
        assertNull(constant.training().schedule());
        assertEquals(Specs.hash(plain), Specs.hash(constant));
        assertEquals(0.001, plain.training().rate(3, 5), 0);
        ExperimentSpec cosine = Specs.parse(BASE + "training: {schedule: {kind: cosine}}\n", "c.yaml");
        assertNotEquals(Specs.hash(plain), Specs.hash(cosine));
        RunSpec a = Specs.runs(plain).get(0);
        RunSpec c = Specs.runs(cosine).get(0);
        assertNotEquals(TeacherKey.of(a, "v").value(), TeacherKey.of(c, "v").value(),
                "a teacher trained on another schedule is another teacher");
        assertEquals(TeacherKey.of(a, "v").value(), TeacherKey.of(Specs.runs(Specs.parse(BASE
                + "training: {schedule: {kind: constant}}\n", "d.yaml")).get(0), "v").value());
    }

    @Test
    void badSchedulesAreRefusedNamingTheField() {
        SpecException kind = assertThrows(SpecException.class, () -> new ScheduleSpec("linear", null, null, null));
        assertEquals("training.schedule.kind: unknown schedule 'linear'; valid: constant, step, cosine",
                kind.getMessage());
        SpecException warmup = assertThrows(SpecException.class, () -> new ScheduleSpec("cosine", -1, null, null));
        assertEquals("training.schedule.warmup: must be >= 0, got -1", warmup.getMessage());
        SpecException every = assertThrows(SpecException.class, () -> new ScheduleSpec("cosine", null, 3, null));
        assertEquals("training.schedule: every and gamma apply to kind: step, not cosine", every.getMessage());
        SpecException gamma = assertThrows(SpecException.class, () -> Specs.parse(BASE
                + "training: {schedule: {kind: step, gamma: 2}}\n", "e.yaml"));
        assertEquals("training.schedule.gamma: must be in (0, 1], got 2.0", gamma.getMessage());
    }
}
