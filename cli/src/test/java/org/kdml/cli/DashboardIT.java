package org.kdml.cli;

import org.kdml.tools.Dashboard;
import org.kdml.tools.Stack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.embedded.EmbeddedKafka;
import org.kdml.pipeline.CheckpointStore;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.RunKeys;
import org.kdml.pipeline.Topics;
import org.kdml.spec.Specs;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium}, which
 * {@code .ci/run} installs) opens the page, a result is published to {@code kdml.results} during
 * the test, and the page shows it without a reload (Server-Sent Events). Saves a screenshot to
 * {@code cli/target/dashboard.png}. Driven over the DevTools protocol with the JDK's WebSocket.
 */
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    /** A minimal DevTools client: send a command, wait for its answer. */
    private static final class DevTools implements WebSocket.Listener {
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final StringBuilder frame = new StringBuilder();
        private WebSocket socket;

        JsonNode call(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            socket.sendText(Specs.json().writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                    .get(10, TimeUnit.SECONDS);
            JsonNode r = f.get(30, TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IllegalStateException(method + ": " + r.get("error"));
            }
            return r.get("result");
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                try {
                    JsonNode n = Specs.json().readTree(frame.toString());
                    if (n.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
                        if (f != null) {
                            f.complete(n);
                        }
                    }
                } catch (IOException e) {
                    // Events we do not use.
                }
                frame.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    @Test
    void aResultPublishedDuringTheTestAppearsInTheOpenPage(@TempDir Path tmp) throws Exception {
        String skip = "DashboardIT skipped: needs Debian's chromium (.ci/run installs it): " + CHROMIUM + " not found";
        if (!Files.isExecutable(CHROMIUM)) {
            // Printed as well as reported: a skipped test says why in the build log.
            System.out.println(skip);
        }
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), skip);
        try (Stack stack = new Stack(Stack.Settings.in(tmp.resolve("stack"))).start(Map.of());
                Dashboard dashboard = new Dashboard(stack.config(), stack.view(), "127.0.0.1", 0).start()) {
            int debugPort = EmbeddedKafka.freePort();
            Process chrome = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + tmp.resolve("profile"),
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=" + debugPort,
                    "--remote-allow-origins=*", "--window-size=1280,900",
                    "http://127.0.0.1:" + dashboard.port() + "/")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                Path log = tmp.resolve("chromium.log");
                // Chromium writes its log while it starts; the wait fails when it has stopped doing so.
                String[] ws = new String[1];
                Await.until(() -> (ws[0] = pageSocket(http, debugPort)) != null, () -> size(log),
                        Duration.ofSeconds(60), () -> "Chromium's DevTools did not come up: " + read(log));
                DevTools dt = new DevTools();
                dt.socket = http.newWebSocketBuilder().buildAsync(URI.create(ws[0]), dt).get(30, TimeUnit.SECONDS);
                waitForText(dt, "No experiments yet", 60);

                // As any producer would write them: the wire's JSON, not kdml's records.
                String run = "0123456789abcdef";
                Clients.publishBytes(stack.config().bootstrap(), Topics.EVENTS, List.of(("{\"type\":\"queued\",\"runId\":\"" + run
                            + "\",\"experiment\":\"browser-test\",\"variant\":\"kd-ml-v3\",\"seed\":1,"
                            + "\"attempt\":0,\"index\":1,\"total\":1,\"time\":1}").getBytes(StandardCharsets.UTF_8)));
                Clients.publishBytes(stack.config().bootstrap(), Topics.RESULTS, List.of(("{\"kind\":\"metrics\",\"runId\":\"" + run
                            + "\",\"experiment\":\"browser-test\",\"variant\":\"kd-ml-v3\",\"seed\":1,"
                            + "\"attempt\":1,\"time\":2,\"payload\":{\"networks\":{\"s1\":{\"test\":"
                            + "{\"accuracy\":0.875}}}}}").getBytes(StandardCharsets.UTF_8)));
                String text = waitForText(dt, "0.875 ± 0.000", 60);
                assertTrue(text.contains("browser-test") && text.contains("evaluated"), text);

                // The reporter's report: a link on the experiment, served from S3 with the images beside it.
                String html = "<html><body><h1>browser-test</h1><img src='curves-" + run + ".png'></body></html>";
                try (CheckpointStore store = new CheckpointStore(stack.config(), Duration.ofSeconds(30))) {
                    store.putBytes(RunKeys.reportPrefix("browser-test") + "report/report.html",
                            html.getBytes(StandardCharsets.UTF_8));
                }
                Clients.publishBytes(stack.config().bootstrap(), Topics.RESULTS, List.of(("{\"kind\":\"report\","
                            + "\"experiment\":\"browser-test\",\"seed\":0,\"attempt\":0,\"time\":3,\"payload\":"
                            + "{\"prefix\":\"kdml-checkpoints/browser-test/report/\",\"runs\":1,\"failed\":0,"
                            + "\"files\":{\"report.html\":\"kdml-checkpoints/browser-test/report/report/report.html\"}}}")
                        .getBytes(StandardCharsets.UTF_8)));
                waitForText(dt, "report: html", 60);
                String href = dt.call("Runtime.evaluate", Map.of("expression",
                        "document.querySelector('a.report').href", "returnByValue", true)).path("result")
                        .path("value").asText();
                assertEquals("http://127.0.0.1:" + dashboard.port() + "/report/browser-test/report/report.html", href);
                HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode());
                assertEquals(html, page.body());
                assertEquals(404, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + dashboard.port() + "/report/no-such-experiment/report/report.html")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode(), "only experiments the view reports");
                JsonNode shot = dt.call("Page.captureScreenshot", Map.of("format", "png"));
                Path png = Path.of("target", "dashboard.png");
                Files.createDirectories(png.getParent());
                Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
                assertTrue(Files.size(png) > 1000);
            } finally {
                chrome.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** @return the DevTools WebSocket of Chromium's page, or null while it is not up */
    private static String pageSocket(HttpClient http, int debugPort) {
        try {
            JsonNode list = Specs.json().readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + debugPort + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : list) {
                if ("page".equals(t.path("type").asText())) {
                    return t.get("webSocketDebuggerUrl").asText();
                }
            }
            return null;
        } catch (IOException e) {
            return null; // Not listening yet.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Chromium", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Waits until the page's text contains {@code expected}; fails when the text has not changed
     * for {@code seconds} (the page updates itself, so a page still rendering keeps the wait alive).
     */
    private static String waitForText(DevTools dt, String expected, int seconds) {
        String[] text = {""};
        Await.until(() -> (text[0] = pageText(dt)).contains(expected), () -> text[0], Duration.ofSeconds(seconds),
                () -> "the page to show '" + expected + "'; it shows: " + text[0]);
        return text[0];
    }

    private static String pageText(DevTools dt) {
        try {
            JsonNode r = dt.call("Runtime.evaluate", Map.of("expression", "document.body.innerText",
                    "returnByValue", true));
            return r.path("result").path("value").asText("");
        } catch (Exception e) {
            throw new IllegalStateException("reading the page's text: " + e, e);
        }
    }
}
