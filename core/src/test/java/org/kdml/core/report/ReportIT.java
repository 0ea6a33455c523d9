package org.kdml.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.core.train.ExperimentRunner;
import org.kdml.core.train.TrainingListener;
import org.kdml.spec.Specs;
import org.kdml.report.Report;

class ReportIT {

    @Test
    void paperStyleTablesFromFinishedRuns(@TempDir Path out) throws Exception {
        String spec = String.join("\n",
                "name: rep",
                "dataset: {kind: synthetic-patches, root: '" + out.resolve("data") + "', samples: 60}",
                "students: [resnet18-tiny, resnet18-tiny]",
                "modes: [ml]",
                "versions: [v1, v3]",
                "seeds: [1, 2]",
                "training: {epochs: 1, batchSize: 16}",
                "");
        ExperimentRunner.run(Specs.parse(spec, "rep.yaml"), out, TrainingListener.NONE);
        Report report = Report.load(out.resolve("rep"));
        String md = report.markdown();
        assertTrue(md.contains("| network | ML V1 | ML V3 |"), md);
        assertTrue(md.contains("| S1 |") && md.contains("| Ensemble |"), md);
        assertTrue(md.contains("**"), "the best cell of each row is marked");
        assertTrue(md.contains("S1 Accuracy: ML V3 − ML V1 = "), md);
        assertTrue(md.contains("## F1\n") && md.contains("## AUC\n"), md);
        String csv = report.csv();
        // 3 networks (S1, S2, ensemble) × 2 variants × (accuracy, precision, recall, F1, AUC)
        // + fidelity rows (none without teacher)
        assertEquals(1 + 3 * 2 * 5, csv.strip().split("\n").length, csv);
        Path html = report.html(out.resolve("rep"), out.resolve("rep/report"));
        String page = Files.readString(html);
        assertTrue(page.contains("<table>") && page.contains("curves-"), page);
        try (var s = Files.list(out.resolve("rep/report"))) {
            assertEquals(4, s.filter(p -> p.getFileName().toString().startsWith("curves-")).count());
        }
    }
}
