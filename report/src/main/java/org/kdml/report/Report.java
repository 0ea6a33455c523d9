package org.kdml.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.kdml.results.EpochRecord;
import org.kdml.results.NetworkResult;
import org.kdml.results.ResultNames;
import org.kdml.results.RunResult;
import org.kdml.results.TestPredictions;
import org.kdml.spec.ExperimentSpec;
import org.kdml.spec.Mode;
import org.kdml.spec.RunLayout;
import org.kdml.spec.SharingGraph;
import org.kdml.spec.Variant;
import org.kdml.spec.Version;
import org.kdml.spec.Summary;
import org.kdml.results.RunFolder;

/**
 * Paper-style reports of an experiment's finished runs: one table per metric (classification:
 * accuracy, precision, recall, F1, AUC; segmentation: IoU, F-score) with rows T, S1, S2, …,
 * ensemble and columns V1–V3 per mode (ML, KD off, KD on, KD+ML), mean ± std over seeds, the best
 * cell of each row marked; parameter counts and compression; fidelity; paired t-tests over seeds
 * for the paper's comparisons. Markdown, CSV, or HTML with training curves and the runs' images.
 *
 * <p>A metric a run does not have (AUC undefined or not recorded, fidelity without teacher) is left
 * out of its cell: the cell summarises the other seeds and says how many of them it covers, e.g.
 * {@code 0.912±0.010 (2 of 3 seeds)}; a cell with no value at all shows {@code –}.
 */
public final class Report {

    private final String experiment;
    private final List<RunResult> runs;
    private final boolean segmentation;
    private final List<String> variants;
    private final List<String> nodes;
    private final Function<RunResult, TestPredictions> predictions;
    private List<Claims.Row> claims;

    private Report(String experiment, List<RunResult> runs) {
        this(experiment, runs, r -> null);
    }

    private Report(String experiment, List<RunResult> runs, Function<RunResult, TestPredictions> predictions) {
        this.predictions = predictions;
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no finished runs of " + experiment);
        }
        this.experiment = experiment;
        this.runs = List.copyOf(runs);
        this.segmentation = runs.get(0).networks().values().iterator().next().segmentation() != null;
        Set<String> vs = new LinkedHashSet<>();
        if (runs.stream().anyMatch(r -> r.variant().equals(ExperimentSpec.BASELINE))) {
            vs.add(ExperimentSpec.BASELINE);
        }
        for (Mode mode : Mode.paperOrder()) {
            for (Version v : Version.values()) {
                String key = Variant.presetKey(mode, v);
                if (runs.stream().anyMatch(r -> r.variant().equals(key))) {
                    vs.add(key);
                }
            }
        }
        runs.stream().map(RunResult::variant).forEach(vs::add);
        this.variants = List.copyOf(vs);
        Set<String> ns = new LinkedHashSet<>();
        runs.stream().filter(r -> r.networks().containsKey(SharingGraph.TEACHER)).findFirst()
                .ifPresent(r -> ns.add(SharingGraph.TEACHER));
        runs.forEach(r -> r.networks().keySet().stream().filter(SharingGraph::isStudent).forEach(ns::add));
        runs.forEach(r -> r.networks().keySet().stream().filter(n -> n.startsWith(SharingGraph.ENSEMBLE)).forEach(ns::add));
        this.nodes = List.copyOf(ns);
    }

    /** Reads every {@code result.json} under {@code experimentDir}. */
    public static Report load(Path experimentDir) throws IOException {
        if (!Files.isDirectory(experimentDir)) {
            throw new IOException("no experiment folder " + experimentDir);
        }
        List<RunResult> runs = new ArrayList<>();
        try (Stream<Path> s = Files.list(experimentDir)) {
            for (Path dir : s.sorted().toList()) {
                if (RunFolder.hasResult(dir)) {
                    runs.add(RunFolder.readResult(dir));
                }
            }
        }
        return new Report(experimentDir.getFileName().toString(), runs, r -> {
            try {
                return RunFolder.readPredictions(experimentDir.resolve(r.runId()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The claims tested on per-image predictions (computed once). */
    private List<Claims.Row> claims() {
        if (claims == null) {
            claims = segmentation ? List.of() : Claims.of(runs, predictions);
        }
        return claims;
    }

    /** @return the claims as CSV (empty when no run kept per-image predictions) */
    public String claimsCsv() {
        return claims().isEmpty() ? "" : Claims.csv(claims());
    }

    private static final String CLAIMS_INTRO = "Each row tests \"A is at least as accurate as B\" on the same test "
            + "images (every image of every common seed is one pair). A − B: the accuracy difference with a paired "
            + "bootstrap 95 % interval; p: McNemar's exact test on the discordant pairs, Holm-corrected within "
            + "each claim; seed-level t-test: the paired t-test over seeds (the variation between trainings). "
            + "Verdict: supported (A − B > 0, corrected p < 0.05), contradicted (A − B < 0, corrected p < 0.05), "
            + "inconclusive otherwise. A measurement, not a confirmation.";

    /** Builds a report from results in memory. */
    public static Report of(String experiment, List<RunResult> runs) {
        return new Report(experiment, runs);
    }

    /** The metrics by table name; each gives null where a network has no value. */
    private Map<String, Function<NetworkResult, Double>> metrics() {
        return ResultNames.metrics(segmentation);
    }

    private List<RunResult> runsOf(String variant) {
        return runs.stream().filter(r -> r.variant().equals(variant)).sorted(Comparator.comparingLong(RunResult::seed))
                .toList();
    }

    private Summary cell(String variant, String node, Function<NetworkResult, Double> metric) {
        List<Double> values = runsOf(variant).stream().filter(r -> r.networks().containsKey(node))
                .map(r -> metric.apply(r.networks().get(node))).filter(Objects::nonNull).toList();
        return values.isEmpty() ? null : Summary.of(values);
    }

    /** How many runs of {@code variant} have the network {@code node}. */
    private long seedsWith(String variant, String node) {
        return runsOf(variant).stream().filter(r -> r.networks().containsKey(node)).count();
    }

    private static final Function<NetworkResult, Double> FIDELITY = NetworkResult::fidelity;

    /** One table: rows = networks, columns = variants; null cells are absent networks. */
    private List<List<String>> table(Function<NetworkResult, Double> metric, boolean markBest, String bold0,
            String bold1) {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("network"));
        variants.forEach(v -> head.add(ResultNames.header(v)));
        rows.add(head);
        for (String node : nodes) {
            List<String> row = new ArrayList<>(List.of(ResultNames.label(node)));
            double best = Double.NEGATIVE_INFINITY;
            for (String v : variants) {
                Summary s = cell(v, node, metric);
                if (s != null) {
                    best = Math.max(best, s.mean());
                }
            }
            for (String v : variants) {
                Summary s = cell(v, node, metric);
                if (s == null) {
                    row.add("–");
                } else {
                    long seeds = seedsWith(v, node);
                    String text = s.n() < seeds ? s + " (" + s.n() + " of " + seeds + " seeds)" : s.toString();
                    row.add(markBest && s.mean() == best ? bold0 + text + bold1 : text);
                }
            }
            rows.add(row);
        }
        return rows;
    }

    /** Paired comparisons over seeds, as the paper makes them. */
    private List<String> comparisons() {
        Function<NetworkResult, Double> primary = metrics().values().iterator().next();
        String name = metrics().keySet().iterator().next();
        List<String> out = new ArrayList<>();
        for (Mode mode : Mode.paperOrder()) {
            for (String node : nodes) {
                if (node.equals(SharingGraph.TEACHER)) {
                    continue;
                }
                compare(Variant.presetKey(mode, Version.V3), Variant.presetKey(mode, Version.V1), node, primary, name)
                        .ifPresent(out::add);
            }
        }
        for (Version v : Version.values()) {
            for (Mode other : Mode.paperOrder()) {
                if (other != Mode.KD_ML) {
                    compare(Variant.presetKey(Mode.KD_ML, v), Variant.presetKey(other, v), SharingGraph.ENSEMBLE,
                            primary, name).ifPresent(out::add);
                }
            }
        }
        // Each distilled student and ensemble against the same network trained alone.
        for (String v : variants) {
            if (v.equals(ExperimentSpec.BASELINE)) {
                continue;
            }
            for (String node : nodes) {
                if (!node.equals(SharingGraph.TEACHER)) {
                    compare(v, ExperimentSpec.BASELINE, node, primary, name).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private Optional<String> compare(String a, String b, String node, Function<NetworkResult, Double> metric,
            String name) {
        Map<Long, Double> va = bySeed(a, node, metric);
        Map<Long, Double> vb = bySeed(b, node, metric);
        List<Long> seeds = va.keySet().stream().filter(vb::containsKey).sorted().toList();
        if (seeds.isEmpty()) {
            return Optional.empty();
        }
        double[] x = seeds.stream().mapToDouble(va::get).toArray();
        double[] y = seeds.stream().mapToDouble(vb::get).toArray();
        Stats.Paired p = Stats.pairedT(x, y);
        String verdict = !p.defined() ? p.undefined() : String.format("paired t(%d) = %.2f, p = %.3f%s", p.df(), p.t(),
                p.p(), p.p() < 0.05 ? "" : " — within noise");
        return Optional.of(String.format("%s %s: %s − %s = %+.3f %s; %s", ResultNames.label(node), name,
                ResultNames.header(a), ResultNames.header(b), p.meanDiff(), "over seeds " + seeds, verdict));
    }

    private Map<Long, Double> bySeed(String variant, String node, Function<NetworkResult, Double> metric) {
        Map<Long, Double> m = new LinkedHashMap<>();
        for (RunResult r : runsOf(variant)) {
            Double value = r.networks().containsKey(node) ? metric.apply(r.networks().get(node)) : null;
            if (value != null) {
                m.put(r.seed(), value);
            }
        }
        return m;
    }

    private List<List<String>> parameters() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("network", "architecture", "parameters (as trained)", "at ImageNet size"));
        Map<String, NetworkResult> any = new LinkedHashMap<>();
        runs.forEach(r -> r.networks().forEach((k, v) -> {
            if (!k.startsWith(SharingGraph.ENSEMBLE)) {
                any.putIfAbsent(k, v);
            }
        }));
        long students = 0;
        long imagenetStudents = 0;
        boolean imagenet = true;
        List<String> studentNodes = new ArrayList<>();
        for (String node : nodes) {
            NetworkResult n = any.get(node);
            if (n != null) {
                rows.add(List.of(ResultNames.label(node), n.architecture(), String.format("%,d", n.parameters()),
                        n.imagenetParameters() == null ? "–" : String.format("%,d", n.imagenetParameters())));
                imagenet &= n.imagenetParameters() != null;
                if (!node.equals(SharingGraph.TEACHER)) {
                    studentNodes.add(node);
                    students += n.parameters();
                    imagenetStudents += n.imagenetParameters() == null ? 0 : n.imagenetParameters();
                }
            }
        }
        NetworkResult teacher = any.get(SharingGraph.TEACHER);
        if (teacher != null && students > 0) {
            // Both ways: as trained (this run's heads, the teacher's adapter) and as papers count
            // (ImageNet-size networks: 1000-class heads, no adapter), per student and for all of them.
            String t = ResultNames.label(SharingGraph.TEACHER);
            for (String node : studentNodes) {
                NetworkResult n = any.get(node);
                rows.add(List.of("compression " + t + " / " + ResultNames.label(node), "", ratio(teacher.parameters(),
                        n.parameters()), imagenet ? ratio(teacher.imagenetParameters(), n.imagenetParameters()) : "–"));
            }
            if (studentNodes.size() > 1) {
                rows.add(List.of("compression " + t + " / all students", "", ratio(teacher.parameters(), students),
                        imagenet ? ratio(teacher.imagenetParameters(), imagenetStudents) : "–"));
            }
        }
        return rows;
    }

    private static String ratio(long a, long b) {
        return String.format("%.2f×", (double) a / b);
    }

    /** @return the report as Markdown */
    public String markdown() {
        StringBuilder sb = new StringBuilder("# " + experiment + "\n\n");
        sb.append(runs.size()).append(" runs; mean ± sample std over seeds; **bold** = best in its row.\n\n");
        metrics().forEach((name, m) -> sb.append("## ").append(name).append("\n\n").append(md(table(m, true, "**", "**")))
                .append('\n'));
        sb.append("## Fidelity (agreement with the teacher)\n\n").append(md(table(FIDELITY, false, "", ""))).append('\n');
        sb.append("## Parameters\n\n").append(md(parameters())).append('\n');
        MethodComparison methods = new MethodComparison(runs, metrics());
        if (methods.present()) {
            sb.append("## Comparison with existing methods\n\n").append(md(methods.table())).append('\n');
            methods.tests().forEach(c -> sb.append("- ").append(c).append('\n'));
            methods.caveats().forEach(c -> sb.append("- Note — ").append(c).append(".\n"));
            sb.append('\n');
        }
        sb.append("## Comparisons (paired over seeds)\n\n");
        comparisons().forEach(c -> sb.append("- ").append(c).append('\n'));
        if (!claims().isEmpty()) {
            sb.append("\n## Claims\n\n").append(CLAIMS_INTRO).append("\n\n").append(md(Claims.table(claims())))
                    .append('\n').append(verdictCounts()).append('\n');
        }
        return sb.toString();
    }

    /** @return e.g. {@code Verdicts: 3 supported, 1 contradicted, 20 inconclusive.} */
    private String verdictCounts() {
        Map<String, Long> n = new LinkedHashMap<>();
        for (String v : List.of("supported", "contradicted", "inconclusive")) {
            n.put(v, claims().stream().filter(r -> r.verdict().equals(v)).count());
        }
        return String.format("Verdicts: %d supported, %d contradicted, %d inconclusive.", n.get("supported"),
                n.get("contradicted"), n.get("inconclusive"));
    }

    /** @return the comparison with existing methods as CSV (empty when the experiment ran none) */
    public String methodsCsv() {
        MethodComparison methods = new MethodComparison(runs, metrics());
        return methods.present() ? methods.csv() : "";
    }

    /** @return long-format CSV: variant, network, metric, mean, std, seeds, best */
    public String csv() {
        StringBuilder sb = new StringBuilder("variant,network,metric,mean,std,seeds,best\n");
        Map<String, Function<NetworkResult, Double>> all = new LinkedHashMap<>(metrics());
        all.put("Fidelity", FIDELITY);
        all.forEach((name, m) -> {
            for (String node : nodes) {
                double best = variants.stream().map(v -> cell(v, node, m)).filter(Objects::nonNull)
                        .mapToDouble(Summary::mean).max().orElse(Double.NaN);
                for (String v : variants) {
                    Summary s = cell(v, node, m);
                    if (s != null) {
                        sb.append(String.format("%s,%s,%s,%.6f,%.6f,%d,%s%n", v, node, name, s.mean(), s.std(), s.n(),
                                s.mean() == best));
                    }
                }
            }
        });
        return sb.toString();
    }

    /**
     * Writes {@code report.html} (and training-curve PNGs) into {@code dir}, embedding each run's
     * {@code hardest.png} and {@code cka-*.png} when present under {@code experimentDir}.
     *
     * @return the HTML file
     */
    public Path html(Path experimentDir, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>")
                .append(esc(experiment)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
                        + "text-align:right}th:first-child,td:first-child{text-align:left}img{margin:4px;"
                        + "border:1px solid #ddd}</style></head><body><h1>").append(esc(experiment)).append("</h1><p>")
                .append(runs.size()).append(" runs; mean ± sample std over seeds; <b>bold</b> = best in its row.</p>");
        metrics().forEach((name, m) -> sb.append("<h2>").append(name).append("</h2>").append(html(table(m, true, "<b>",
                "</b>"))));
        sb.append("<h2>Fidelity</h2>").append(html(table(FIDELITY, false, "", "")));
        sb.append("<h2>Parameters</h2>").append(html(parameters()));
        MethodComparison methods = new MethodComparison(runs, metrics());
        if (methods.present()) {
            sb.append("<h2>Comparison with existing methods</h2>").append(html(methods.table())).append("<ul>");
            methods.tests().forEach(c -> sb.append("<li>").append(esc(c)).append("</li>"));
            methods.caveats().forEach(c -> sb.append("<li>Note — ").append(esc(c)).append(".</li>"));
            sb.append("</ul>");
        }
        sb.append("<h2>Comparisons (paired over seeds)</h2><ul>");
        comparisons().forEach(c -> sb.append("<li>").append(esc(c)).append("</li>"));
        sb.append("</ul>");
        if (!claims().isEmpty()) {
            sb.append("<h2>Claims</h2><p>").append(esc(CLAIMS_INTRO)).append("</p>").append(html(Claims.table(claims())))
                    .append("<p>").append(esc(verdictCounts())).append("</p>");
        }
        sb.append("<h2>Runs</h2>");
        for (RunResult r : runs) {
            sb.append("<h3>").append(esc(r.variant())).append(" seed ").append(r.seed()).append(" <small>")
                    .append(r.runId()).append("</small></h3>");
            Path curves = dir.resolve(RunLayout.curves(r.runId()));
            curves(r, curves);
            sb.append("<img alt='training curves' src='").append(dir.relativize(curves)).append("'>");
            Path runDir = experimentDir.resolve(r.runId());
            if (Files.isDirectory(runDir)) {
                try (Stream<Path> s = Files.list(runDir)) {
                    for (Path img : s.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                        sb.append("<img alt='").append(esc(img.getFileName().toString())).append("' src='")
                                .append(dir.toAbsolutePath().relativize(img.toAbsolutePath())).append("'>");
                    }
                }
            }
        }
        sb.append("</body></html>\n");
        Path file = dir.resolve(RunLayout.report("html"));
        Files.writeString(file, sb.toString());
        return file;
    }

    /** Plots per epoch the training loss ({@code node/total}) and the validation metric of every network. */
    static void curves(RunResult r, Path file) throws IOException {
        int w = 760;
        int h = 260;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        List<EpochRecord> hist = r.history();
        Color[] palette = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189)};
        for (int panel = 0; panel < 2; panel++) {
            int x0 = 40 + panel * 380;
            int y0 = 30;
            int pw = 260;
            int ph = 190;
            g.setColor(Color.BLACK);
            g.drawString(panel == 0 ? "training loss (total)" : "validation", x0, 18);
            g.drawRect(x0, y0, pw, ph);
            Map<String, List<Double>> series = new LinkedHashMap<>();
            for (EpochRecord e : hist) {
                if (panel == 0) {
                    e.train().forEach((k, v) -> {
                        if (k.endsWith("/total")) {
                            series.computeIfAbsent(k.replace("/total", ""), x -> new ArrayList<>()).add(v);
                        }
                    });
                } else {
                    e.validation().forEach((k, v) -> series.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                }
            }
            double max = series.values().stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max().orElse(1);
            max = panel == 1 ? 1 : Math.max(max, 1e-9);
            int c = 0;
            for (Map.Entry<String, List<Double>> s : series.entrySet()) {
                g.setColor(palette[c % palette.length]);
                g.setStroke(new BasicStroke(1.6f));
                List<Double> v = s.getValue();
                for (int i = 1; i < v.size(); i++) {
                    g.drawLine(x0 + (i - 1) * pw / Math.max(1, v.size() - 1), y0 + ph - (int) (v.get(i - 1) / max * ph),
                            x0 + i * pw / Math.max(1, v.size() - 1), y0 + ph - (int) (v.get(i) / max * ph));
                }
                g.drawString(s.getKey(), x0 + pw + 4, y0 + 12 + 14 * c);
                c++;
            }
            g.setColor(Color.GRAY);
            g.drawString(String.format("%.2f", max), x0 - 36, y0 + 10);
            g.drawString("0", x0 - 12, y0 + ph);
            g.drawString("epochs →", x0 + pw / 2 - 20, y0 + ph + 16);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static String md(List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            sb.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
            if (i == 0) {
                sb.append("|").append("---|".repeat(rows.get(0).size())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String html(List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("<table>");
        for (int i = 0; i < rows.size(); i++) {
            sb.append("<tr>");
            for (String c : rows.get(i)) {
                String tag = i == 0 ? "th" : "td";
                String cell = c.startsWith("<b>") ? "<b>" + esc(c.substring(3, c.length() - 4)) + "</b>" : esc(c);
                sb.append('<').append(tag).append('>').append(cell).append("</").append(tag).append('>');
            }
            sb.append("</tr>");
        }
        return sb.append("</table>").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
