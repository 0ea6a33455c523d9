package org.kdml.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SharingGraphTest {

    /**
     * The table of docs/method.md, "Sharing graph: modes × versions", row by row: "p" = predictions,
     * "f" = features. Edges are written {@code from>to:kind}, separated by spaces.
     */
    @ParameterizedTest(name = "{0}-{1}")
    @CsvSource({
        "kd-off, v1, frozen, teacher>s1:p teacher>s2:p",
        "kd-off, v2, frozen, teacher>s1:f teacher>s2:f",
        "kd-off, v3, frozen, teacher>s1:p teacher>s2:f",
        "kd-on,  v1, joint,  teacher>s1:p teacher>s2:p",
        "kd-on,  v2, joint,  teacher>s1:f teacher>s2:f",
        "kd-on,  v3, joint,  teacher>s1:p teacher>s2:f",
        "ml,     v1, none,   s2>s1:p s1>s2:p",
        "ml,     v2, none,   s2>s1:f s1>s2:f",
        "ml,     v3, none,   s2>s1:p s1>s2:f",
        "kd-ml,  v1, joint,  teacher>s1:p s2>s1:p teacher>s2:p s1>s2:p",
        "kd-ml,  v2, joint,  teacher>s1:f s2>s1:f teacher>s2:f s1>s2:f",
        "kd-ml,  v3, joint,  teacher>s1:f s2>s1:p teacher>s2:p s1>s2:f",
    })
    void eachPresetHasExactlyTheEdgesOfTheDesignTable(String mode, String version, String teacher, String edges) {
        SharingGraph g = SharingGraph.preset(Mode.of("mode", mode), Version.of("version", version), 2);
        Set<String> expected = Set.of(edges.trim().split(" "));
        Set<String> actual = g.edges().stream()
                .map(e -> e.from() + ">" + e.to() + ":" + e.knowledge().key().charAt(0))
                .collect(Collectors.toSet());
        assertEquals(expected, actual);
        assertEquals(expected.size(), g.edges().size());
        assertEquals(teacher, g.teacher().key());
        assertTrue(g.edges().stream().allMatch(e -> e.weight() == 1.0));
    }

    @Test
    void threeStudentsInKdMlV3FollowTheDiversifiedPattern() {
        SharingGraph g = SharingGraph.preset(Mode.KD_ML, Version.V3, 3);
        // s3 is odd, so it learns in the predictions style like s1.
        assertEquals(List.of("features<-teacher", "predictions<-s1", "predictions<-s2"),
                g.edgesInto("s3").stream().map(Edge::termName).toList());
        assertEquals(9, g.edges().size());
    }

    @Test
    void mutualLearningNeedsTwoStudents() {
        SpecException e = assertThrows(SpecException.class, () -> SharingGraph.preset(Mode.ML, Version.V1, 1));
        assertEquals("students: mode ml needs at least 2 students, got 1", e.getMessage());
    }

    @Test
    void edgesMustNameExistingNodes() {
        SpecException e = assertThrows(SpecException.class,
                () -> new SharingGraph(2, TeacherTraining.NONE, List.of(Edge.of("teacher", "s1", Knowledge.FEATURES))));
        assertEquals("sharing[0]", e.field());
        assertTrue(e.getMessage().contains("this run has no teacher"), e.getMessage());
        SpecException e2 = assertThrows(SpecException.class,
                () -> new SharingGraph(2, TeacherTraining.JOINT, List.of(Edge.of("teacher", "s3", Knowledge.FEATURES))));
        assertTrue(e2.getMessage().contains("names s3, but there are only 2 students"), e2.getMessage());
        SpecException e3 = assertThrows(SpecException.class, () -> Edge.of("s1", "s1", Knowledge.FEATURES));
        assertEquals("edge: a node cannot teach itself: s1", e3.getMessage());
        SpecException e4 = assertThrows(SpecException.class, () -> new Edge("teacher", "s1", Knowledge.FEATURES, -1));
        assertEquals("edge.weight: must be a finite number >= 0, got -1.0", e4.getMessage());
    }
}
