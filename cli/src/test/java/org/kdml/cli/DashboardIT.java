package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.pipeline.Clients;
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
            socket.sendText(Clients.json(Map.of("id", id, "method", method, "params", params)), true)
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
                } catch (java.io.IOException e) {
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
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "needs Debian's chromium (.ci/run installs it): " + CHROMIUM + " not found");
        try (Stack stack = new Stack(new Stack.Settings(tmp.resolve("stack"), 0, 0, 0, 0, 1, 32)).start(Map.of());
                Dashboard dashboard = new Dashboard(stack.config(), "127.0.0.1", 0).start()) {
            int debugPort = org.kdml.embedded.EmbeddedKafka.freePort();
            Process chrome = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + tmp.resolve("profile"),
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=" + debugPort,
                    "--remote-allow-origins=*", "--window-size=1280,900",
                    "http://127.0.0.1:" + dashboard.port() + "/")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String ws = null;
                long end = System.nanoTime() + 60_000_000_000L;
                while (ws == null) {
                    try {
                        JsonNode list = Specs.json().readTree(http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + debugPort + "/json/list")).build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                        for (JsonNode t : list) {
                            if ("page".equals(t.path("type").asText())) {
                                ws = t.get("webSocketDebuggerUrl").asText();
                            }
                        }
                    } catch (java.io.IOException e) {
                        // Not listening yet.
                    }
                    if (ws == null) {
                        assertTrue(System.nanoTime() < end, "Chromium's DevTools did not come up: "
                                + Files.readString(tmp.resolve("chromium.log")));
                        Thread.sleep(300);
                    }
                }
                DevTools dt = new DevTools();
                dt.socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), dt).get(30, TimeUnit.SECONDS);
                waitForText(dt, "No experiments yet", 60);

                try (KafkaProducer<String, String> p = Clients.producer(stack.config().bootstrap(), null)) {
                    String run = "0123456789abcdef";
                    p.send(new ProducerRecord<>(Topics.EVENTS, run, "{\"type\":\"queued\",\"runId\":\"" + run
                            + "\",\"experiment\":\"browser-test\",\"variant\":\"kd-ml-v3\",\"seed\":1,"
                            + "\"attempt\":0,\"index\":1,\"total\":1,\"time\":1}")).get(30, TimeUnit.SECONDS);
                    p.send(new ProducerRecord<>(Topics.RESULTS, run, "{\"kind\":\"metrics\",\"runId\":\"" + run
                            + "\",\"experiment\":\"browser-test\",\"variant\":\"kd-ml-v3\",\"seed\":1,"
                            + "\"attempt\":1,\"time\":2,\"payload\":{\"networks\":{\"s1\":{\"test\":"
                            + "{\"accuracy\":0.875}}}}}")).get(30, TimeUnit.SECONDS);
                }
                String text = waitForText(dt, "0.875 ± 0.000", 60);
                assertTrue(text.contains("browser-test") && text.contains("evaluated"), text);
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

    private static String waitForText(DevTools dt, String expected, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        String text = "";
        while (System.nanoTime() < end) {
            JsonNode r = dt.call("Runtime.evaluate", Map.of("expression", "document.body.innerText",
                    "returnByValue", true));
            text = r.path("result").path("value").asText("");
            if (text.contains(expected)) {
                return text;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the page never showed '" + expected + "' within " + seconds + " s; it shows: " + text);
    }
}
