package org.kdml.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The MLflow tracking server's REST API ({@code /api/2.0/mlflow/…}), the endpoints the bridge
 * uses and nothing more: {@code experiments/get-by-name}, {@code experiments/create},
 * {@code runs/search}, {@code runs/create}, {@code runs/log-batch}, {@code runs/update},
 * {@code runs/get}. Requests and answers are MLflow's documented JSON. A server that cannot be
 * reached or answers 5xx/429 throws {@link MlflowUnavailableException} (retry later); any other
 * refusal throws {@link MlflowRejectedException} with MLflow's {@code error_code}.
 */
public final class MlflowClient {

    /** Most metrics in one {@code runs/log-batch} (MLflow's documented limit). */
    public static final int MAX_METRICS = 1000;
    /** Most params in one {@code runs/log-batch}. */
    public static final int MAX_PARAMS = 100;
    /** Most tags in one {@code runs/log-batch}. */
    public static final int MAX_TAGS = 100;
    /** Most metrics, params and tags together in one {@code runs/log-batch}. */
    public static final int MAX_ENTRIES = 1000;
    /** MLflow's error code of a lookup that found nothing. */
    public static final String RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST";
    /** MLflow's error code of a create whose name is taken. */
    public static final String RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS";

    /**
     * One value of a metric.
     *
     * @param key the MLflow key (see {@link MlflowNames})
     * @param value the value
     * @param timestamp milliseconds since the epoch
     * @param step the step (the run's epoch count; 0 for test metrics)
     */
    public record Metric(String key, double value, long timestamp, long step) {
    }

    /**
     * A param or a tag.
     *
     * @param key the key
     * @param value the value
     */
    public record Entry(String key, String value) {
    }

    /**
     * A run as {@code runs/get} shows it.
     *
     * @param runId MLflow's run id
     * @param status {@code RUNNING}, {@code FINISHED}, {@code FAILED}, …
     * @param latest the latest value of each metric (MLflow keeps the one of the highest step)
     * @param params the params
     * @param tags the tags
     */
    public record RunView(String runId, String status, Map<String, Metric> latest, Map<String, String> params,
            Map<String, String> tags) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param trackingUri the tracking server, e.g. {@code http://127.0.0.1:5000}
     * @throws IllegalArgumentException naming the URI when it is not http(s)
     */
    public MlflowClient(URI trackingUri) {
        String s = trackingUri.toString();
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new IllegalArgumentException("tracking URI: must start with http:// or https://, got " + s);
        }
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = Duration.ofSeconds(30);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** @return the tracking server */
    public URI trackingUri() {
        return base;
    }

    /** @return the id of the experiment named {@code name}, or empty when there is none */
    public Optional<String> experimentByName(String name) throws IOException, InterruptedException {
        try {
            JsonNode r = get("experiments/get-by-name", "experiment_name", name);
            return Optional.of(r.path("experiment").path("experiment_id").asText());
        } catch (MlflowRejectedException e) {
            if (RESOURCE_DOES_NOT_EXIST.equals(e.errorCode())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates an experiment; @return its id */
    public String createExperiment(String name) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        return post("experiments/create", body).path("experiment_id").asText();
    }

    /** Sets the tag {@code key} of experiment {@code experimentId} to {@code value} (setting it again changes nothing). */
    public void setExperimentTag(String experimentId, String key, String value) throws IOException,
            InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("experiment_id", experimentId).put("key", key)
                .put("value", value);
        post("experiments/set-experiment-tag", body);
    }

    /** @return the id of the active run of {@code experimentId} whose tag {@code key} is {@code value}, or empty */
    public Optional<String> runByTag(String experimentId, String key, String value)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("experiment_ids").add(experimentId);
        body.put("filter", "tags.`" + key + "` = '" + value.replace("'", "\\'") + "'");
        body.put("max_results", 1);
        JsonNode runs = post("runs/search", body).path("runs");
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0).path("info").path("run_id").asText());
    }

    /**
     * Creates a run.
     *
     * @param startTime milliseconds since the epoch
     * @return its id
     */
    public String createRun(String experimentId, String runName, long startTime, List<Entry> tags)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("experiment_id", experimentId).put("run_name", runName)
                .put("start_time", startTime);
        entries(body.putArray("tags"), tags);
        return post("runs/create", body).path("run").path("info").path("run_id").asText();
    }

    /**
     * Logs metrics, params and tags, in as many {@code runs/log-batch} requests as MLflow's limits
     * need (at most {@value #MAX_METRICS} metrics, {@value #MAX_PARAMS} params, {@value #MAX_TAGS}
     * tags and {@value #MAX_ENTRIES} in all per request); within each kind, in the order given.
     *
     * @return the number of requests sent
     */
    public int logBatch(String runId, List<Metric> metrics, List<Entry> params, List<Entry> tags)
            throws IOException, InterruptedException {
        int m = 0;
        int p = 0;
        int t = 0;
        int requests = 0;
        while (m < metrics.size() || p < params.size() || t < tags.size()) {
            int np = Math.min(MAX_PARAMS, params.size() - p);
            int nt = Math.min(MAX_TAGS, tags.size() - t);
            int nm = Math.min(Math.min(MAX_METRICS, MAX_ENTRIES - np - nt), metrics.size() - m);
            ObjectNode body = JSON.createObjectNode().put("run_id", runId);
            ArrayNode ms = body.putArray("metrics");
            for (Metric x : metrics.subList(m, m + nm)) {
                ms.addObject().put("key", x.key()).put("value", x.value()).put("timestamp", x.timestamp())
                        .put("step", x.step());
            }
            entries(body.putArray("params"), params.subList(p, p + np));
            entries(body.putArray("tags"), tags.subList(t, t + nt));
            post("runs/log-batch", body);
            m += nm;
            p += np;
            t += nt;
            requests++;
        }
        return requests;
    }

    /**
     * Sets a run's status.
     *
     * @param status {@code RUNNING}, {@code FINISHED}, {@code FAILED} or {@code KILLED}
     * @param endTime milliseconds since the epoch, or null to leave it unset
     */
    public void updateRun(String runId, String status, Long endTime) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("run_id", runId).put("status", status);
        if (endTime != null) {
            body.put("end_time", endTime);
        }
        post("runs/update", body);
    }

    /** @return the run as {@code runs/get} shows it */
    public RunView run(String runId) throws IOException, InterruptedException {
        JsonNode run = get("runs/get", "run_id", runId).path("run");
        Map<String, Metric> latest = new LinkedHashMap<>();
        for (JsonNode m : run.path("data").path("metrics")) {
            latest.put(m.path("key").asText(), new Metric(m.path("key").asText(), m.path("value").asDouble(),
                    m.path("timestamp").asLong(), m.path("step").asLong()));
        }
        return new RunView(run.path("info").path("run_id").asText(), run.path("info").path("status").asText(), latest,
                map(run.path("data").path("params")), map(run.path("data").path("tags")));
    }

    private static Map<String, String> map(JsonNode entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode e : entries) {
            out.put(e.path("key").asText(), e.path("value").asText());
        }
        return out;
    }

    private static void entries(ArrayNode into, List<Entry> entries) {
        for (Entry e : entries) {
            into.addObject().put("key", e.key()).put("value", e.value());
        }
    }

    private JsonNode get(String endpoint, String param, String value) throws IOException, InterruptedException {
        URI uri = base.resolve("api/2.0/mlflow/" + endpoint + "?" + param + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8));
        return send(endpoint, HttpRequest.newBuilder(uri).timeout(timeout).GET().build());
    }

    private JsonNode post(String endpoint, ObjectNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("api/2.0/mlflow/" + endpoint)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                .build();
        return send(endpoint, request);
    }

    private JsonNode send(String endpoint, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MlflowUnavailableException(endpoint + ": tracking server " + base + " unreachable: " + e, e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            String text = response.body();
            return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        }
        if (status >= 500 || status == 429) {
            throw new MlflowUnavailableException(endpoint + ": tracking server " + base + " answered HTTP " + status,
                    null);
        }
        JsonNode error;
        try {
            error = JSON.readTree(response.body());
        } catch (IOException e) {
            error = JSON.createObjectNode();
        }
        throw new MlflowRejectedException(endpoint, status, error.path("error_code").asText("HTTP_" + status),
                error.path("message").asText(response.body()));
    }
}
