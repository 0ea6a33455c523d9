package org.kdml.tools;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kdml.orchestrator.ExperimentSource;
import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunKeys;
import org.kdml.spec.Specs;

/**
 * The live dashboard: a read-only web page on 127.0.0.1 that lists experiments and their runs
 * (state, epoch, validation score, ETA), fills the mean ± std table per variant and network as
 * results arrive, and shows each run's validation curve and CKA heatmaps. Everything it shows is
 * the orchestrator's one view ({@link ExperimentSource}: in process under {@code kdml up}, over
 * HTTP from the status endpoint otherwise); it pushes every change to the browser with
 * Server-Sent Events ({@code /events}); heatmaps come from S3 through {@code /heatmap?key=}, a
 * run's exported files (specs with {@code export:}) through {@code /export?key=}.
 */
public final class Dashboard implements AutoCloseable {

    /** How often the view is read for changes. */
    private static final long REFRESH_MILLIS = 250;

    private final ExperimentSource source;
    private final HttpServer server;
    private final List<OutputStream> clients = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread follower;
    private final CheckpointStore store;
    private volatile Map<String, ExperimentStatus> shown = Map.of();
    private volatile String snapshot = "{}";

    /**
     * @param config S3 (for heatmaps)
     * @param source the orchestrator's view
     */
    public Dashboard(PipelineConfig config, ExperimentSource source, String host, int port) throws IOException {
        this.source = source;
        this.store = new CheckpointStore(config, Duration.ofSeconds(20));
        server = HttpServer.create(new InetSocketAddress(host, port), 32);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kdml-dashboard-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::page);
        server.createContext("/api/experiments", ex -> send(ex, 200, "application/json", snapshot));
        server.createContext("/events", this::events);
        server.createContext("/heatmap", this::heatmap);
        server.createContext("/export", this::export);
        server.createContext("/report/", this::report);
        follower = new Thread(this::follow, "kdml-dashboard-follow");
        follower.setDaemon(true);
    }

    public Dashboard start() {
        refresh();
        follower.start();
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Reads the view until closed; every change goes to the browsers. */
    private void follow() {
        while (running.get()) {
            if (refresh()) {
                broadcast();
            }
            try {
                Thread.sleep(REFRESH_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** @return whether what the page shows changed */
    private boolean refresh() {
        Map<String, ExperimentStatus> now = new TreeMap<>();
        for (String name : source.experiments()) {
            ExperimentStatus st = source.status(name);
            if (st != null) {
                now.put(name, st);
            }
        }
        String json;
        try {
            json = Specs.json().writeValueAsString(now);
        } catch (IOException e) {
            return false;
        }
        if (json.equals(snapshot)) {
            return false;
        }
        shown = now;
        snapshot = json;
        return true;
    }

    private void broadcast() {
        byte[] frame = ("data: " + snapshot + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (OutputStream o : clients) {
            try {
                o.write(frame);
                o.flush();
            } catch (IOException e) {
                clients.remove(o);
            }
        }
    }

    private void events(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream o = ex.getResponseBody();
        o.write(("retry: 1000\ndata: " + snapshot + "\n\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
        clients.add(o);
        // The exchange stays open; broadcast() writes to it until the browser goes away.
    }

    private void heatmap(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getRawQuery();
        String key = q == null || !q.startsWith("key=") ? null
                : URLDecoder.decode(q.substring(4), StandardCharsets.UTF_8);
        // Only heatmaps of runs the dashboard knows, never an arbitrary object.
        boolean known = key != null && shown.values().stream().flatMap(st -> st.runs().stream())
                .anyMatch(r -> r.heatmaps() != null && r.heatmaps().containsValue(key));
        if (!known) {
            send(ex, 404, "text/plain", "unknown heatmap");
            return;
        }
        fromS3(ex, key, "image/png", null);
    }

    /** An exported file (model, weights, card) of a run the dashboard shows, from S3; nothing else. */
    private void export(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getRawQuery();
        String key = q == null || !q.startsWith("key=") ? null
                : URLDecoder.decode(q.substring(4), StandardCharsets.UTF_8);
        boolean known = key != null && shown.values().stream().flatMap(st -> st.runs().stream())
                .anyMatch(r -> r.exports() != null && r.exports().containsValue(key));
        if (!known) {
            send(ex, 404, "text/plain", "unknown export");
            return;
        }
        String name = key.substring(key.lastIndexOf('/') + 1);
        fromS3(ex, key, name.endsWith(".md") ? "text/markdown; charset=utf-8"
                : name.endsWith(".json") ? "application/json" : "application/octet-stream", name);
    }

    /**
     * {@code /report/EXPERIMENT/PATH}: a file of an experiment's report in S3 (the HTML, md, csv,
     * and the images the HTML shows by relative links), for an experiment the view says has one.
     */
    private void report(HttpExchange ex) throws IOException {
        String[] parts = ex.getRequestURI().getPath().substring("/report/".length()).split("/", 2);
        ExperimentStatus st = parts.length == 2 ? shown.get(parts[0]) : null;
        String path = parts.length == 2 ? parts[1] : "";
        if (st == null || st.report() == null || path.contains("..") || !path.matches("[A-Za-z0-9._/-]+")) {
            send(ex, 404, "text/plain", "unknown report");
            return;
        }
        fromS3(ex, RunKeys.reportPrefix(parts[0]) + path, path.endsWith(".html") ? "text/html; charset=utf-8"
                : path.endsWith(".png") ? "image/png" : path.endsWith(".md") ? "text/markdown; charset=utf-8"
                : "text/csv; charset=utf-8", null);
    }

    /**
     * Sends the S3 object {@code key} (the caller checked that the view shows it): 404 when it is
     * missing, 502 when S3 fails.
     *
     * @param attachment the file name to download it as, or null to show it inline
     */
    private void fromS3(HttpExchange ex, String key, String contentType, String attachment) throws IOException {
        try {
            byte[] bytes = store.getBytes(key);
            if (bytes == null) {
                send(ex, 404, "text/plain", "missing");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", contentType);
            if (attachment != null) {
                ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + attachment + "\"");
            }
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(bytes);
            }
        } catch (Exception e) {
            send(ex, 502, "text/plain", "S3: " + e.getMessage());
        }
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain", "not found");
            return;
        }
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            send(ex, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(bytes);
        }
    }


    @Override
    public void close() throws Exception {
        running.set(false);
        for (OutputStream o : clients) {
            try {
                o.close();
            } catch (IOException e) {
                // Going away anyway.
            }
        }
        server.stop(0);
        follower.interrupt();
        follower.join(5_000);
        store.close();
    }
}
