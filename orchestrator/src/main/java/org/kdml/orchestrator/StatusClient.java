package org.kdml.orchestrator;

import org.kdml.pipeline.state.ExperimentStatus;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.kdml.spec.Specs;

/** The orchestrator's view read over HTTP from its {@link StatusServer}. */
public final class StatusClient implements ExperimentSource {

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param base the status endpoint, e.g. {@code http://127.0.0.1:8081}
     * @throws IllegalArgumentException naming the URL when it is not http(s)
     */
    public StatusClient(String base) {
        if (base == null || !(base.startsWith("http://") || base.startsWith("https://"))) {
            throw new IllegalArgumentException("--orchestrator: expected an http:// or https:// URL, got " + base);
        }
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /**
     * @return the response body of {@code GET path} and its status code
     * @throws IOException naming the URL when the endpoint cannot be reached
     */
    private HttpResponse<String> get(String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + base + path, e);
        } catch (IOException e) {
            throw new IOException("orchestrator status endpoint " + base + path + " unreachable ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
    }

    @Override
    public List<String> experiments() {
        try {
            HttpResponse<String> r = get("/experiments");
            List<String> out = new ArrayList<>();
            if (r.statusCode() == 200) {
                for (JsonNode n : Specs.json().readTree(r.body()).path("experiments")) {
                    out.add(n.asText());
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public ExperimentStatus status(String experiment) {
        try {
            return fetch(experiment);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @return the status, or null when the orchestrator does not know the experiment (yet)
     * @throws IOException naming the URL when the endpoint cannot be reached or answers an error
     */
    public ExperimentStatus fetch(String experiment) throws IOException {
        HttpResponse<String> r = get("/experiments/" + URLEncoder.encode(experiment, StandardCharsets.UTF_8));
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IOException(base + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return Specs.json().readValue(r.body(), ExperimentStatus.class);
    }
}
