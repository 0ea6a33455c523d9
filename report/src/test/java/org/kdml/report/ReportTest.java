package org.kdml.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.results.ClassificationMetrics;
import org.kdml.results.EpochRecord;
import org.kdml.results.NetworkResult;
import org.kdml.results.RunResult;
import org.kdml.spec.Knowledge;
import org.kdml.spec.Phase;

class ReportTest {

    /** A classification result whose accuracy, precision and recall are 0.5, with the given F1 and AUC. */
    private static NetworkResult net(String arch, double f1, Double auc) {
        return new NetworkResult(arch, 10, 1, 0.5,
                new ClassificationMetrics(0.5, 0.5, 0.5, f1, auc, new long[][] {{1, 1}, {1, 1}}), null, null);
    }

    private static RunResult run(String variant, long seed, double f1, Double auc, Double ensembleAuc) {
        Map<String, NetworkResult> nets = new LinkedHashMap<>();
        nets.put("s1", net("resnet18-tiny", f1, auc));
        nets.put("ensemble", net("ensemble", f1, ensembleAuc));
        return RunResult.builder(variant + "-" + seed, "rep", variant, seed).teacherTraining("none").networks(nets)
                .trainSeconds(1).imagesPerSecond(1).build();
    }

    /**
     * F1: ML V1 has 0.6 and 0.8 (mean 0.7, sample std √0.02 = 0.141), ML V3 0.9 and 0.7 (0.8 ± 0.141,
     * the row's best). AUC: S1 of ML V1 has it on seed 1 only (0.75), ML V3 0.5 and 0.7; the
     * ensemble of ML V1 has none, ML V3 0.8 and 0.9 (0.85 ± √0.005 = 0.071).
     */
    @Test
    void classificationTablesHaveF1AndAuc(@TempDir Path dir) throws Exception {
        Report report = Report.of("rep", List.of(run("ml-v1", 1, 0.6, 0.75, null), run("ml-v1", 2, 0.8, null, null),
                run("ml-v3", 1, 0.9, 0.5, 0.8), run("ml-v3", 2, 0.7, 0.7, 0.9)));
        String md = report.markdown();
        assertTrue(md.contains("## F1\n") && md.contains("## AUC\n"), md);
        String f1 = md.substring(md.indexOf("## F1\n"), md.indexOf("## AUC\n"));
        assertTrue(f1.contains("| S1 | 0.700±0.141 | **0.800±0.141** |"), md);
        String auc = md.substring(md.indexOf("## AUC\n"), md.indexOf("## Fidelity"));
        assertTrue(auc.contains("| S1 | **0.750 (1 of 2 seeds)** | 0.600±0.141 |"), md);
        assertTrue(auc.contains("| Ensemble | – | **0.850±0.071** |"), md);
        String csv = report.csv();
        assertTrue(csv.contains("ml-v3,s1,F1,0.800000,0.141421,2,true\n"), csv);
        assertTrue(csv.contains("ml-v1,s1,AUC,0.750000,0.000000,1,true\n"), csv);
        assertFalse(csv.contains("ml-v1,ensemble,AUC"), csv);
        String page = Files.readString(report.html(dir, dir.resolve("report")));
        assertTrue(page.contains("<h2>F1</h2>") && page.contains("<h2>AUC</h2>"), page);
        assertTrue(page.contains("<td><b>0.750 (1 of 2 seeds)</b></td>"), page);
    }

    /**
     * Compression both ways, per student and for both: as trained 24,000,000 / 11,200,000 = 2.14×
     * and / 22,400,000 = 1.07×; at ImageNet size (torchvision's ResNet-50 and ResNet-18)
     * 25,557,032 / 11,689,512 = 2.19× and / 23,379,024 = 1.09×.
     */
    @Test
    void compressionIsGivenAsTrainedAndAsPapersCountIt() {
        ClassificationMetrics m = new ClassificationMetrics(0.5, 0.5, 0.5, 0.5, 0.5, new long[][] {{1, 1}, {1, 1}});
        Map<String, NetworkResult> nets = new LinkedHashMap<>();
        nets.put("teacher", new NetworkResult("resnet50", 24_000_000, 1, 0.5, m, null, null, null, 25_557_032L));
        nets.put("s1", new NetworkResult("resnet18", 11_200_000, 1, 0.5, m, null, 0.5, null, 11_689_512L));
        nets.put("s2", new NetworkResult("resnet18", 11_200_000, 1, 0.5, m, null, 0.5, null, 11_689_512L));
        nets.put("ensemble", new NetworkResult("ensemble", 0, 0, 0, m, null, 0.5));
        Report report = Report.of("cmp", List.of(RunResult.builder("kd-off-v1-1", "cmp", "kd-off-v1", 1)
                .teacherTraining("frozen").networks(nets).trainSeconds(1).imagesPerSecond(1).build()));
        List<String> lines = List.of(report.markdown().split("\n"));
        String all = String.join("\n", lines);
        assertTrue(lines.contains("| S1 | resnet18 | 11,200,000 | 11,689,512 |"), all);
        String s1 = lines.stream().filter(l -> l.startsWith("| compression T / S1 |")).findFirst().orElseThrow();
        assertTrue(s1.endsWith("| 2.14× | 2.19× |"), s1);
        String both = lines.stream().filter(l -> l.startsWith("| compression T / all students |")).findFirst()
                .orElseThrow();
        assertTrue(both.endsWith("| 1.07× | 1.09× |"), both);
    }

    /** A result of accuracy {@code acc} for every network of {@code nodes}, with joint epochs of 2 s and 4 s. */
    private static RunResult accuracy(String variant, long seed, double acc, Long trainingOnly, String protocol,
            String... nodes) {
        Map<String, NetworkResult> nets = new LinkedHashMap<>();
        for (String n : nodes) {
            nets.put(n, new NetworkResult(n.equals("ensemble") ? "ensemble" : "resnet18-tiny", n.equals("ensemble")
                    ? 0 : 100, 1, acc, new ClassificationMetrics(acc, acc, acc, acc, acc, new long[][] {{1, 1}, {1, 1}}),
                    null, null, n.equals("s1") ? trainingOnly : null, null));
        }
        List<EpochRecord> history = List.of(new EpochRecord(Phase.TEACHER, 1, Map.of(), Map.of(), 9),
                new EpochRecord(Phase.JOINT, 1, Map.of(), Map.of(), 2), new EpochRecord(Phase.JOINT, 2, Map.of(),
                        Map.of(), 4));
        return RunResult.builder(variant + "-" + seed, "cmp", variant, seed).teacherTraining("frozen").networks(nets)
                .history(history).trainSeconds(1).imagesPerSecond(1).protocol(protocol).build();
    }

    /**
     * The comparison with existing methods, by hand: AT's S1 has accuracy 0.6 and 0.7 (mean 0.65, sample
     * std √0.005 = 0.071), 50 training-only parameters, 3 s per joint epoch ((2 + 4) / 2; the teacher's
     * 9 s epoch left out); KD+ML V3's ensemble 0.8 and 0.8 (deployed: its two students, 200). The
     * ensemble minus AT is +0.2 and +0.1: mean +0.15, sd of the differences √0.005, t = 0.15 / (0.0707 /
     * √2) = 3.00 with 1 degree of freedom.
     */
    @Test
    void theComparisonWithExistingMethodsHasTheirRowsThenKdmlsAndPairedTests() {
        Report report = Report.of("cmp", List.of(accuracy("baseline-at", 1, 0.6, 50L, "method-only", "teacher", "s1",
                "ensemble"), accuracy("baseline-at", 2, 0.7, 50L, "method-only", "teacher", "s1", "ensemble"),
                accuracy("kd-ml-v3", 1, 0.8, null, null, "teacher", "s1", "s2", "ensemble"),
                accuracy("kd-ml-v3", 2, 0.8, null, null, "teacher", "s1", "s2", "ensemble")));
        String md = report.markdown();
        String table = md.substring(md.indexOf("## Comparison with existing methods"), md.indexOf("## Comparisons"));
        assertTrue(table.contains("| AT (Zagoruyko & Komodakis, ICLR 2017) | 0.650±0.071 |"), table);
        assertTrue(table.contains("| 100 | 50 | 3.00 | method-only |"), table);
        assertTrue(table.contains("| KD+ML V3 Ensemble | 0.800±0.000 |") && table.contains("| 200 | 0 | 3.00 | – |"),
                table);
        assertTrue(table.indexOf("| AT") < table.indexOf("| KD+ML V3 S1") && table.indexOf("| KD+ML V3 S1")
                < table.indexOf("| KD+ML V3 S2"), table);
        assertTrue(table.contains("KD+ML V3 Ensemble Accuracy − AT S1 = +0.150 over seeds [1, 2]; paired t(1) = 3.00"),
                table);
        assertTrue(report.methodsCsv().startsWith("method,Accuracy,Precision,Recall,F1,AUC,deployed parameters,"),
                report.methodsCsv());
        assertTrue(Report.of("rep", List.of(run("ml-v1", 1, 0.6, 0.75, null))).methodsCsv().isEmpty());
        assertFalse(table.contains("Note —"), "AT has no caveat: " + table);
    }

    /** A method the reader must know something about gets its note under the table (md and html). */
    @Test
    void aMethodsCaveatIsPrintedUnderTheComparison(@TempDir Path dir) throws Exception {
        Report report = Report.of("cmp", List.of(accuracy("baseline-semckd", 1, 0.6, 50L, "method-only", "teacher",
                "s1")));
        String md = report.markdown();
        assertTrue(md.contains("- Note — SemCKD: the projectors' middle width is capped at maxWidth"), md);
        String html = Files.readString(report.html(dir, dir.resolve("out")));
        assertTrue(html.contains("<li>Note — SemCKD: the projectors"), html);
        assertEquals("DSD: its class-similarity term compares classes, and binary masks have one output channel;"
                + " kdml reads it on the two-class logits (−z/2, z/2), whose softmax is the sigmoid. On the single"
                + " channel it would be a 1×1 matrix (Σp²), with no class relation in it", Knowledge.DSD.caveat());
    }
}
