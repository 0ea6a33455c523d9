package org.kdml.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdml.spec.Specs;

class ReportResultTest {

    @Test
    void writesTheFieldsTheWireCarriesAndReadsThemBack() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("report.md", "b/quickstart/report/report/report.md");
        files.put("report.html", "b/quickstart/report/report/report.html");
        ReportResult r = new ReportResult("b/quickstart/report/", files, "[0a1b, 3c4d] failed []", 2, 0);
        String json = Specs.json().writeValueAsString(r);
        // kdml's mapper writes fields and map entries sorted by name, as on every topic.
        assertEquals("{\"covers\":\"[0a1b, 3c4d] failed []\",\"failed\":0,\"files\":{"
                + "\"report.html\":\"b/quickstart/report/report/report.html\","
                + "\"report.md\":\"b/quickstart/report/report/report.md\"},"
                + "\"prefix\":\"b/quickstart/report/\",\"runs\":2}", json);
        ReportResult back = Specs.json().readValue(json, ReportResult.class);
        assertEquals(r, back);
        assertEquals(List.of("report.html", "report.md"), List.copyOf(back.files().keySet()));
    }

    @Test
    void anOlderReportWithoutCoversAndANewerOneWithMoreFieldsBothRead() throws Exception {
        ReportResult older = Specs.json().readValue("{\"prefix\":\"b/e/report/\",\"files\":{},\"runs\":1,\"failed\":1}",
                ReportResult.class);
        assertNull(older.covers());
        assertEquals(1, older.failed());
        ReportResult newer = Specs.json().readValue("{\"prefix\":\"b/e/report/\",\"files\":{},"
                + "\"covers\":\"[] failed []\",\"runs\":0,\"failed\":0,\"pages\":3}", ReportResult.class);
        assertEquals("[] failed []", newer.covers());
    }

    @Test
    void aReportWithoutItsFolderOrWithNegativeCountsIsRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReportResult(" ", Map.of(), "[] failed []", 0, 0));
        assertEquals("prefix: the report's S3 folder is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReportResult("b/e/report/", Map.of(), null, 2, -1));
        assertEquals("runs, failed: must be >= 0, got 2, -1", e.getMessage());
    }
}
