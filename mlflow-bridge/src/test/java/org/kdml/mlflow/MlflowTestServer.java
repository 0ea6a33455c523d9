package org.kdml.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kdml.mlflow.MlflowClient.Metric;

/**
 * A stand-in for an MLflow tracking server, for tests (no MLflow server can be installed on the
 * development machines): the REST endpoints the bridge uses, with MLflow's documented request and
 * response fields and error codes, and nothing more.
 * <ul>
 *   <li>{@code GET experiments/get-by-name?experiment_name=} → {@code {experiment: {experiment_id,
 *       name, lifecycle_stage, …}}}; 404 {@code RESOURCE_DOES_NOT_EXIST}</li>
 *   <li>{@code POST experiments/set-experiment-tag {experiment_id, key, value}} → {@code {}}</li>
 *   <li>{@code POST experiments/create {name}} → {@code {experiment_id}}; 400
 *       {@code RESOURCE_ALREADY_EXISTS}</li>
 *   <li>{@code POST runs/search {experiment_ids, filter, max_results}} → {@code {runs: [run]}} (no
 *       {@code runs} when none); filters of the form {@code tags.`key` = 'value'} (also
 *       {@code tags."key"} and {@code tags.key}), others 400 {@code INVALID_PARAMETER_VALUE}</li>
 *   <li>{@code POST runs/create {experiment_id, run_name, start_time, tags}} → {@code {run}}</li>
 *   <li>{@code POST runs/log-batch {run_id, metrics, params, tags}} → {@code {}}; MLflow's limits
 *       (1000 metrics, 100 params, 100 tags, 1000 in all), key syntax, and params that change value
 *       refused with 400 {@code INVALID_PARAMETER_VALUE}. Every metric is appended, as MLflow's
 *       FileStore does: a value logged twice is there twice</li>
 *   <li>{@code POST runs/update {run_id, status, end_time}} → {@code {run_info}}</li>
 *   <li>{@code GET runs/get?run_id=} → {@code {run: {info, data: {metrics, params, tags}}}}, the
 *       metrics being the latest value per key (highest step, then timestamp)</li>
 * </ul>
 * A run or experiment that does not exist is 404 {@code RESOURCE_DOES_NOT_EXIST}; an unknown
 * endpoint 404 {@code ENDPOINT_NOT_FOUND}. {@link #unavailable(boolean)} makes every request
 * answer 503 {@code TEMPORARILY_UNAVAILABLE} until it is called with false.
 */
final class MlflowTestServer implements AutoCloseable {

    /** An experiment as stored. */
    record Experiment(String id, String name) {
    }

    /** A copy of a run as stored: every metric row logged, in order. */
    record StoredRun(String id, String experimentId, String name, String status, long startTime, Long endTime,
            List<Metric> metrics, Map<String, String> params, Map<String, String> tags) {

        /** @return the values of metric {@code key} by row, in logging order */
        List<Metric> history(String key) {
            return metrics.stream().filter(m -> m.key().equals(key)).toList();
        }
    }

    private static final String PREFIX = "/api/2.0/mlflow/";
    private static final Set<String> STATUSES = Set.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED");
    private static final Pattern TAG_FILTER = Pattern.compile(
            "\\s*tags\\.(?:`([^`]+)`|\"([^\"]+)\"|([A-Za-z0-9_.]+))\\s*=\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final List<Experiment> experiments = new ArrayList<>();
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> experimentTags = new HashMap<>();
    private final Map<String, AtomicInteger> calls = new HashMap<>();
    private final Set<String> refusedExperiments = new HashSet<>();
    private final AtomicInteger unavailableAnswers = new AtomicInteger();
    private volatile boolean unavailable;

    private static final class Run {
        private String id;
        private String experimentId;
        private String name;
        private String status = "RUNNING";
        private long startTime;
        private Long endTime;
        private final List<Metric> metrics = new ArrayList<>();
        private final Map<String, String> params = new LinkedHashMap<>();
        private final Map<String, String> tags = new LinkedHashMap<>();
    }

    /** An error MLflow would answer. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String code;

        Failure(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    /** Starts on a free port of 127.0.0.1. */
    MlflowTestServer() throws IOException {
        this(0);
    }

    /** Starts on {@code port} of 127.0.0.1 (0: a free one). */
    MlflowTestServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Runs the stand-in by hand, to mirror a real {@code kdml run} or {@code kdml up} into it
     * ({@code --mlflow http://127.0.0.1:PORT}); prints what it holds every {@code SECONDS} and at
     * SIGTERM: experiments, runs by status, metric rows, metric rows logged twice (same run, key and
     * step), params, tags and experiment tags.
     *
     * @param args {@code PORT [SECONDS]}
     */
    public static void main(String[] args) throws Exception {
        MlflowTestServer s = new MlflowTestServer(Integer.parseInt(args[0]));
        long every = args.length > 1 ? Long.parseLong(args[1]) : 30;
        ScheduledExecutorService printer = Executors.newSingleThreadScheduledExecutor();
        printer.scheduleAtFixedRate(() -> System.out.println(s.summary()), every, every, TimeUnit.SECONDS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(s.summary());
            stopped.countDown();
        }));
        System.out.println("MLflow stand-in at " + s.uri());
        // Serves until SIGTERM: the shutdown hook prints the last summary and releases this.
        stopped.await();
    }

    /** @return what the server holds, in one line */
    synchronized String summary() {
        Map<String, Integer> byStatus = new TreeMap<>();
        int twice = 0;
        int params = 0;
        int tags = 0;
        for (Run r : runs.values()) {
            byStatus.merge(r.status, 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (Metric m : r.metrics) {
                twice += seen.add(m.key() + "@" + m.step()) ? 0 : 1;
            }
            params += r.params.size();
            tags += r.tags.size();
        }
        return "stand-in: experiments " + experiments.stream().map(Experiment::name).toList() + ", runs " + byStatus
                + ", metric rows " + metricRows() + ", logged twice " + twice + ", params " + params + ", tags " + tags
                + ", experiment tags " + experimentTags;
    }

    /** @return the tracking URI, e.g. {@code http://127.0.0.1:40123} */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** While true, every request is answered 503 (the server is down for maintenance). */
    void unavailable(boolean down) {
        unavailable = down;
    }

    /** @return requests answered 503 so far */
    int unavailableAnswers() {
        return unavailableAnswers.get();
    }

    /** Makes {@code experiments/create} of {@code name} answer 400 INVALID_PARAMETER_VALUE (a request at fault). */
    synchronized void refuseExperiment(String name) {
        refusedExperiments.add(name);
    }

    /** @return requests answered (not 503) by endpoint so far, e.g. {@code runs/create} */
    synchronized int calls(String endpoint) {
        AtomicInteger n = calls.get(endpoint);
        return n == null ? 0 : n.get();
    }

    /** @return the experiments, in creation order */
    synchronized List<Experiment> experiments() {
        return List.copyOf(experiments);
    }

    /** @return copies of the runs, in creation order */
    synchronized List<StoredRun> runs() {
        return runs.values().stream().map(r -> new StoredRun(r.id, r.experimentId, r.name, r.status, r.startTime,
                r.endTime, List.copyOf(r.metrics), Map.copyOf(r.params), Map.copyOf(r.tags))).toList();
    }

    /** @return every metric row of every run */
    synchronized int metricRows() {
        return runs.values().stream().mapToInt(r -> r.metrics.size()).sum();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            if (unavailable) {
                unavailableAnswers.incrementAndGet();
                reply(x, 503, error("TEMPORARILY_UNAVAILABLE", "the tracking server is down for maintenance"));
                return;
            }
            String path = x.getRequestURI().getPath();
            String endpoint = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : path;
            JsonNode answer;
            try {
                synchronized (this) {
                    calls.computeIfAbsent(endpoint, e -> new AtomicInteger()).incrementAndGet();
                    answer = answer(x, endpoint);
                }
            } catch (Failure f) {
                reply(x, f.status, error(f.code, f.getMessage()));
                return;
            }
            reply(x, 200, answer);
        }
    }

    private JsonNode answer(HttpExchange x, String endpoint) throws Failure, IOException {
        String method = x.getRequestMethod();
        switch (method + " " + endpoint) {
            case "GET experiments/get-by-name":
                return getExperimentByName(query(x).get("experiment_name"));
            case "POST experiments/create":
                return createExperiment(body(x));
            case "POST experiments/set-experiment-tag":
                return setExperimentTag(body(x));
            case "POST runs/search":
                return searchRuns(body(x));
            case "POST runs/create":
                return createRun(body(x));
            case "POST runs/log-batch":
                return logBatch(body(x));
            case "POST runs/update":
                return updateRun(body(x));
            case "GET runs/get":
                return runJson(run(query(x).get("run_id")), true);
            default:
                throw new Failure(404, "ENDPOINT_NOT_FOUND", "no endpoint " + method + " " + endpoint);
        }
    }

    private JsonNode getExperimentByName(String name) throws Failure {
        required("experiment_name", name);
        for (Experiment e : experiments) {
            if (e.name().equals(name)) {
                ObjectNode out = json.createObjectNode();
                out.putObject("experiment").put("experiment_id", e.id()).put("name", e.name())
                        .put("artifact_location", "mlflow-artifacts:/" + e.id()).put("lifecycle_stage", "active");
                return out;
            }
        }
        throw new Failure(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with name '" + name + "'");
    }

    /** {@code POST experiments/set-experiment-tag {experiment_id, key, value}} → {@code {}}; 404 for an unknown id. */
    private JsonNode setExperimentTag(JsonNode body) throws Failure {
        String id = body.path("experiment_id").asText(null);
        String key = body.path("key").asText(null);
        required("experiment_id", id);
        required("key", key);
        if (experiments.stream().noneMatch(e -> e.id().equals(id))) {
            throw new Failure(404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=" + id + " exists");
        }
        experimentTags.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(key, body.path("value").asText(""));
        return json.createObjectNode();
    }

    /** @return the tags of experiment {@code id} */
    synchronized Map<String, String> experimentTags(String id) {
        return Map.copyOf(experimentTags.getOrDefault(id, Map.of()));
    }

    private JsonNode createExperiment(JsonNode body) throws Failure {
        String name = body.path("name").asText(null);
        required("name", name);
        if (refusedExperiments.contains(name)) {
            throw new Failure(400, "INVALID_PARAMETER_VALUE", "Invalid experiment name: '" + name + "'");
        }
        if (experiments.stream().anyMatch(e -> e.name().equals(name))) {
            throw new Failure(400, "RESOURCE_ALREADY_EXISTS", "Experiment '" + name + "' already exists.");
        }
        Experiment e = new Experiment(Integer.toString(experiments.size() + 1), name);
        experiments.add(e);
        return json.createObjectNode().put("experiment_id", e.id());
    }

    private JsonNode searchRuns(JsonNode body) throws Failure {
        Set<String> ids = new HashSet<>();
        body.path("experiment_ids").forEach(n -> ids.add(n.asText()));
        String filter = body.path("filter").asText("");
        String key = null;
        String value = null;
        if (!filter.isBlank()) {
            Matcher m = TAG_FILTER.matcher(filter);
            if (!m.matches()) {
                throw new Failure(400, "INVALID_PARAMETER_VALUE", "Invalid filter '" + filter + "'");
            }
            key = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            value = m.group(4).replace("\\'", "'");
        }
        int max = body.path("max_results").asInt(1000);
        ObjectNode out = json.createObjectNode();
        ArrayNode found = json.createArrayNode();
        for (Run r : runs.values()) {
            if (found.size() < max && ids.contains(r.experimentId) && (key == null || value.equals(r.tags.get(key)))) {
                found.add(runJson(r, false).path("run"));
            }
        }
        if (!found.isEmpty()) {
            out.set("runs", found);
        }
        return out;
    }

    private JsonNode createRun(JsonNode body) throws Failure {
        String experiment = body.path("experiment_id").asText(null);
        required("experiment_id", experiment);
        if (experiments.stream().noneMatch(e -> e.id().equals(experiment))) {
            throw new Failure(404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=" + experiment + " exists");
        }
        Run r = new Run();
        r.id = UUID.randomUUID().toString().replace("-", "");
        r.experimentId = experiment;
        r.name = body.path("run_name").asText("");
        r.startTime = body.path("start_time").asLong(System.currentTimeMillis());
        for (JsonNode t : body.path("tags")) {
            r.tags.put(t.path("key").asText(), t.path("value").asText());
        }
        if (!r.name.isEmpty()) {
            r.tags.put("mlflow.runName", r.name);
        }
        runs.put(r.id, r);
        return runJson(r, true);
    }

    private JsonNode logBatch(JsonNode body) throws Failure {
        Run r = run(body.path("run_id").asText(null));
        JsonNode metrics = body.path("metrics");
        JsonNode params = body.path("params");
        JsonNode tags = body.path("tags");
        if (metrics.size() > 1000 || params.size() > 100 || tags.size() > 100
                || metrics.size() + params.size() + tags.size() > 1000) {
            throw new Failure(400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 1000"
                    + " metrics, 100 params, 100 tags and 1000 in all. Got " + metrics.size() + " metrics, "
                    + params.size() + " params and " + tags.size() + " tags.");
        }
        for (JsonNode n : List.of(metrics, params, tags)) {
            for (JsonNode e : n) {
                String key = e.path("key").asText("");
                if (!MlflowNames.VALID.matcher(key).matches()) {
                    throw new Failure(400, "INVALID_PARAMETER_VALUE", "Invalid name '" + key + "'. Names may only"
                            + " contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:)"
                            + " and slashes (/).");
                }
            }
        }
        for (JsonNode p : params) {
            String held = r.params.get(p.path("key").asText());
            if (held != null && !held.equals(p.path("value").asText())) {
                throw new Failure(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed. Param with"
                        + " key='" + p.path("key").asText() + "' was already logged with value='" + held
                        + "' for run ID='" + r.id + "'. Attempted logging new value '" + p.path("value").asText()
                        + "'.");
            }
        }
        for (JsonNode m : metrics) {
            r.metrics.add(new Metric(m.path("key").asText(), m.path("value").asDouble(), m.path("timestamp").asLong(),
                    m.path("step").asLong(0)));
        }
        params.forEach(p -> r.params.put(p.path("key").asText(), p.path("value").asText()));
        tags.forEach(t -> r.tags.put(t.path("key").asText(), t.path("value").asText()));
        return json.createObjectNode();
    }

    private JsonNode updateRun(JsonNode body) throws Failure {
        Run r = run(body.path("run_id").asText(null));
        String status = body.path("status").asText(r.status);
        if (!STATUSES.contains(status)) {
            throw new Failure(400, "INVALID_PARAMETER_VALUE", "Invalid value '" + status + "' for parameter 'status'");
        }
        r.status = status;
        if (body.has("end_time")) {
            r.endTime = body.path("end_time").asLong();
        }
        ObjectNode out = json.createObjectNode();
        out.set("run_info", runJson(r, false).path("run").path("info"));
        return out;
    }

    private Run run(String id) throws Failure {
        required("run_id", id);
        Run r = runs.get(id);
        if (r == null) {
            throw new Failure(404, "RESOURCE_DOES_NOT_EXIST", "Run with id=" + id + " not found");
        }
        return r;
    }

    /** {@code {run: {info, data}}}; the latest value of each metric (highest step, then timestamp, then value). */
    private ObjectNode runJson(Run r, boolean latestOnly) {
        ObjectNode out = json.createObjectNode();
        ObjectNode run = out.putObject("run");
        ObjectNode info = run.putObject("info").put("run_id", r.id).put("run_uuid", r.id)
                .put("experiment_id", r.experimentId).put("run_name", r.name).put("status", r.status)
                .put("start_time", r.startTime).put("artifact_uri", "mlflow-artifacts:/" + r.experimentId + "/" + r.id)
                .put("lifecycle_stage", "active");
        if (r.endTime != null) {
            info.put("end_time", r.endTime);
        }
        ObjectNode data = run.putObject("data");
        Map<String, Metric> latest = new LinkedHashMap<>();
        Comparator<Metric> order = Comparator.comparingLong(Metric::step).thenComparingLong(Metric::timestamp)
                .thenComparingDouble(Metric::value);
        for (Metric m : r.metrics) {
            latest.merge(m.key(), m, (a, b) -> order.compare(a, b) >= 0 ? a : b);
        }
        ArrayNode metrics = data.putArray("metrics");
        latest.values().forEach(m -> metrics.addObject().put("key", m.key()).put("value", m.value())
                .put("timestamp", m.timestamp()).put("step", m.step()));
        ArrayNode params = data.putArray("params");
        r.params.forEach((k, v) -> params.addObject().put("key", k).put("value", v));
        ArrayNode tags = data.putArray("tags");
        r.tags.forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        return out;
    }

    private static void required(String field, String value) throws Failure {
        if (value == null || value.isEmpty()) {
            throw new Failure(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter '" + field + "'");
        }
    }

    private JsonNode body(HttpExchange x) throws Failure, IOException {
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/json")) {
            throw new Failure(400, "BAD_REQUEST", "POST requests need Content-Type application/json, got " + type);
        }
        try {
            return json.readTree(x.getRequestBody());
        } catch (IOException e) {
            throw new Failure(400, "MALFORMED_REQUEST", "not JSON: " + e.getMessage());
        }
    }

    private static Map<String, String> query(HttpExchange x) {
        Map<String, String> out = new HashMap<>();
        String q = x.getRequestURI().getRawQuery();
        if (q != null) {
            for (String pair : q.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private ObjectNode error(String code, String message) {
        return json.createObjectNode().put("error_code", code).put("message", message);
    }

    private void reply(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }
}
