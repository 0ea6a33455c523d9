package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.oneOf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.kdml.core.data.DatasetKind;
import org.kdml.core.data.Item;
import org.kdml.core.data.Source;
import org.kdml.spec.Specs;
import org.kdml.spec.Splitting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kdml bench-data}: how fast a data set decodes (and resizes), on 1 and N threads. */
@Command(name = "bench-data", description = "Decode (+ resize) throughput of a data set on 1 and N threads (N:"
        + " --threads, default all cores).")
final class BenchDataCommand extends KdmlCommand {

    @Option(names = "--kind", required = true, paramLabel = "KIND", description = "one of ${COMPLETION-CANDIDATES}"
            + " (for csv, --root is the CSV file)", completionCandidates = MakeDataCommand.LayoutKeys.class)
    private String kind;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the data set's folder")
    private Path root;

    @Option(names = "--size", paramLabel = "PIXELS", description = "resize to")
    private int size = 96;

    @Option(names = "--limit", paramLabel = "N", description = "images decoded")
    private int limit = 2000;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    int run(PrintStream out) throws Exception {
        oneOf("--kind", "data set", kind, MakeDataCommand.KINDS);
        atLeast("--limit", limit, 1);
        int threads = threads() != null ? threads() : Runtime.getRuntime().availableProcessors();
        DatasetKind layout = DatasetKind.byKey(kind);
        if (!Files.isDirectory(root) && !layout.rootIsFile()) {
            throw new IOException("--root: folder not found: " + root);
        }
        long t0 = System.nanoTime();
        // Throughput: pooled, whatever splits are there.
        Source source = layout.open(root, Splitting.POOLED, 0.1, false);
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        List<Item> items = source.items().subList(0, Math.min(limit, source.items().size()));
        double single = decode(source, items, size, 1);
        double multi = decode(source, items, size, threads);
        if (source instanceof AutoCloseable c) {
            c.close();
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", kind);
        r.put("items_indexed", source.items().size());
        r.put("index_seconds", indexSeconds);
        r.put("images_decoded", items.size());
        r.put("resize_to", size);
        r.put("images_per_second_1_thread", single);
        r.put("threads", threads);
        r.put("images_per_second_n_threads", multi);
        if (json) {
            out.println(Specs.json().writeValueAsString(r));
        } else {
            r.forEach((k, v) -> out.printf("%-28s %s%n", k, v));
        }
        return 0;
    }

    /** Decodes and resizes every item on {@code threads} threads; returns images per second. */
    private static double decode(Source source, List<Item> items, int size, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            int chunk = Math.max(1, items.size() / (threads * 4));
            for (int start = 0; start < items.size(); start += chunk) {
                List<Item> part = items.subList(start, Math.min(items.size(), start + chunk));
                futures.add(pool.submit(() -> part.forEach(it -> source.read(it).resize(size, false))));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.MINUTES);
            }
            return items.size() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
