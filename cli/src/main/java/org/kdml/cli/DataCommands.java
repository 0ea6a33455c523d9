package org.kdml.cli;

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
import org.kdml.core.data.Ham10000Folder;
import org.kdml.core.data.Item;
import org.kdml.core.data.LggFolder;
import org.kdml.core.data.PcamFolder;
import org.kdml.core.data.PcamHdf5;
import org.kdml.core.data.Source;
import org.kdml.core.data.SyntheticPatches;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.data.SyntheticWriters;
import org.kdml.spec.Specs;
import org.kdml.spec.Splitting;

/**
 * {@code kdml make-data} writes generated data in a real data set's published layout (to try the
 * loaders, or to benchmark them); {@code kdml bench-data} measures how fast a data set decodes.
 */
final class DataCommands {

    private static final List<String> KINDS = List.of(PcamFolder.KEY, PcamHdf5.KEY, LggFolder.KEY, Ham10000Folder.KEY);

    private DataCommands() {
    }

    static int make(List<String> args, PrintStream out) throws IOException {
        String kind = kind(Kdml.option(args, "--kind", null));
        Path dir = Path.of(required(Kdml.option(args, "--out", null), "--out"));
        int samples = Integer.parseInt(Kdml.option(args, "--samples", "2000"));
        noMore(args);
        long t0 = System.nanoTime();
        switch (kind) {
            case PcamFolder.KEY -> SyntheticPatches.writePcam(dir, samples, 2);
            case PcamHdf5.KEY -> SyntheticWriters.writePcamH5Splits(dir, samples);
            case LggFolder.KEY -> SyntheticScans.writeLgg(dir, Math.max(3, samples / 20), Math.min(20, samples), 1);
            default -> SyntheticWriters.writeHam(dir, Math.max(7, samples / 2), 600, 450);
        }
        out.printf("wrote generated %s data to %s in %.1f s%n", kind, dir.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static int bench(List<String> args, PrintStream out) throws Exception {
        String kind = kind(Kdml.option(args, "--kind", null));
        Path root = Path.of(required(Kdml.option(args, "--root", null), "--root"));
        int size = Integer.parseInt(Kdml.option(args, "--size", "96"));
        int threads = Integer.parseInt(Kdml.option(args, "--threads",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        int limit = Integer.parseInt(Kdml.option(args, "--limit", "2000"));
        boolean json = args.remove("--json");
        noMore(args);
        if (!Files.isDirectory(root)) {
            throw new IOException("--root: folder not found: " + root);
        }
        long t0 = System.nanoTime();
        Source source = switch (kind) {
            case PcamFolder.KEY -> new PcamFolder(root, 2, false);
            case PcamHdf5.KEY -> new PcamHdf5(root, Splitting.POOLED, false); // throughput: whatever splits are there
            case LggFolder.KEY -> new LggFolder(root, false);
            default -> new Ham10000Folder(root, false);
        };
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

    private static String kind(String kind) {
        if (kind == null || !KINDS.contains(kind)) {
            throw new IllegalArgumentException("--kind: unknown data set '" + kind + "'; valid: " + String.join(", ", KINDS));
        }
        return kind;
    }

    private static String required(String value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static void noMore(List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
    }
}
