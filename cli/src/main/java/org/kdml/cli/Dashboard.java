package org.kdml.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.kdml.orchestrator.ExperimentState;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;

/**
 * The live dashboard: a read-only web page on 127.0.0.1 that lists experiments and their runs
 * (state, epoch, validation score, ETA), fills the mean ± std table per variant and network as
 * results arrive, and shows each run's validation curve and CKA heatmaps. It follows
 * {@code kdml.events} and {@code kdml.results} (read committed) from the beginning, folds them with
 * the orchestrator's {@link ExperimentState}, and pushes every change to the browser with
 * Server-Sent Events ({@code /events}); heatmaps come from S3 through {@code /heatmap?key=}.
 */
final class Dashboard implements AutoCloseable {

    private final PipelineConfig config;
    private final HttpServer server;
    private final Map<String, String> aggregates = new TreeMap<>();
    /** Per run: validation history points [epoch index, score], and the CKA heatmap keys. */
    private final Map<String, List<double[]>> curves = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> heatmaps = new LinkedHashMap<>();
    private final Map<String, Long> startedAt = new LinkedHashMap<>();
    private final List<OutputStream> clients = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread follower;
    private final CheckpointStore store;

    Dashboard(PipelineConfig config, String host, int port) throws IOException {
        this.config = config;
        this.store = new CheckpointStore(config, Duration.ofSeconds(20));
        server = HttpServer.create(new InetSocketAddress(host, port), 32);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kdml-dashboard-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::page);
        server.createContext("/api/experiments", ex -> send(ex, 200, "application/json", snapshot()));
        server.createContext("/events", this::events);
        server.createContext("/heatmap", this::heatmap);
        follower = new Thread(this::follow, "kdml-dashboard-follow");
        follower.setDaemon(true);
    }

    Dashboard start() {
        follower.start();
        server.start();
        return this;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void follow() {
        while (running.get()) {
            try (KafkaConsumer<String, byte[]> c = Clients.consumer(config.bootstrap(), null, 500, 300_000)) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of(Topics.EVENTS, Topics.RESULTS)) {
                    c.partitionsFor(topic, Duration.ofSeconds(60))
                            .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                while (running.get()) {
                    boolean changed = false;
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(250))) {
                        changed |= apply(new String(r.value(), StandardCharsets.UTF_8));
                    }
                    if (changed) {
                        broadcast();
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    Clients.sleep(2_000);
                }
            }
        }
    }

    private synchronized boolean apply(String message) {
        String experiment = ExperimentState.experimentOf(message);
        if (experiment == null) {
            return false;
        }
        aggregates.put(experiment, ExperimentState.apply(aggregates.getOrDefault(experiment, "{}"), message));
        try {
            JsonNode m = Specs.json().readTree(message);
            String run = m.get("runId").asText();
            String type = m.path("type").asText();
            if (type.equals("started")) {
                curves.put(run, new ArrayList<>());
                startedAt.put(run, m.path("time").asLong());
            } else if (type.equals("epoch")) {
                JsonNode val = m.path("metrics").path("validation");
                double score = val.has("ensemble") ? val.get("ensemble").asDouble()
                        : val.elements().hasNext() ? val.elements().next().asDouble() : Double.NaN;
                List<double[]> c = curves.computeIfAbsent(run, k -> new ArrayList<>());
                c.add(new double[] {c.size() + 1, score, m.path("epoch").asInt(), m.path("epochs").asInt(),
                        m.path("time").asLong()});
            } else if ("cka".equals(m.path("kind").asText())) {
                Map<String, String> keys = new LinkedHashMap<>();
                m.path("payload").path("pairs").fields().forEachRemaining(e -> keys.put(e.getKey(),
                        e.getValue().path("heatmap").asText().substring(config.bucket().length() + 1)));
                heatmaps.put(run, keys);
            }
        } catch (IOException e) {
            // Folded above or ignored: the view never fails on a message.
        }
        return true;
    }

    /** Everything the page shows, as JSON. */
    private synchronized String snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : aggregates.entrySet()) {
            try {
                Map<String, Object> st = ExperimentState.status(e.getValue());
                List<Object> runs = new ArrayList<>();
                for (Object o : (List<?>) st.get("runs")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = new LinkedHashMap<>((Map<String, Object>) o);
                    String id = (String) r.get("runId");
                    List<double[]> c = curves.getOrDefault(id, List.of());
                    r.put("curve", c.stream().map(p -> new double[] {p[0], p[1]}).toList());
                    if (!c.isEmpty() && "running".equals(r.get("state"))) {
                        double[] last = c.get(c.size() - 1);
                        double perEpoch = (last[4] - startedAt.getOrDefault(id, (long) last[4])) / c.size();
                        r.put("etaSeconds", Math.max(0, (last[3] - last[2]) * perEpoch / 1e3));
                        r.put("validation", last[1]);
                    }
                    r.put("heatmaps", heatmaps.getOrDefault(id, Map.of()));
                    runs.add(r);
                }
                st.put("runs", runs);
                out.put(e.getKey(), st);
            } catch (IOException ex) {
                // Skip an unreadable aggregate.
            }
        }
        return Clients.json(out);
    }

    private void broadcast() {
        byte[] frame = ("data: " + snapshot() + "\n\n").getBytes(StandardCharsets.UTF_8);
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
        o.write(("retry: 1000\ndata: " + snapshot() + "\n\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
        clients.add(o);
        // The exchange stays open; broadcast() writes to it until the browser goes away.
    }

    private void heatmap(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getRawQuery();
        String key = q == null || !q.startsWith("key=") ? null
                : URLDecoder.decode(q.substring(4), StandardCharsets.UTF_8);
        // Only heatmaps of runs the dashboard knows, never an arbitrary object.
        boolean known;
        synchronized (this) {
            known = key != null && heatmaps.values().stream().anyMatch(m -> m.containsValue(key));
        }
        if (!known) {
            send(ex, 404, "text/plain", "unknown heatmap");
            return;
        }
        try {
            byte[] png = store.getBytes(key);
            if (png == null) {
                send(ex, 404, "text/plain", "missing");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "image/png");
            ex.sendResponseHeaders(200, png.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(png);
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
        follower.join(5_000);
        store.close();
    }
}
