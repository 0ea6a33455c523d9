package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.kdml.spec.Specs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml status EXPERIMENT}: the orchestrator's view, as a compact table or JSON. */
@Command(name = "status", description = "Runs, progress and mean +- std per variant of an experiment, from the"
        + " orchestrator's Kafka Streams view.")
final class StatusCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "the experiment's name")
    private String experiment;

    @Option(names = "--orchestrator", paramLabel = "URL", description = "the orchestrator's status endpoint")
    private String url = "http://127.0.0.1:8081";

    @Option(names = "--json", description = "print the orchestrator's JSON as it is")
    private boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", description = "redraw every SECONDS (0: print once)")
    private int watchSeconds;

    @Override
    int run(PrintStream out) throws Exception {
        if (atLeast("--watch", watchSeconds, 0) == 0) {
            return status(out);
        }
        while (true) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int code = status(new PrintStream(buf, true, StandardCharsets.UTF_8));
            out.print("\033[H\033[2J" + buf.toString(StandardCharsets.UTF_8));
            out.flush();
            if (code != 0) {
                return code;
            }
            Thread.sleep(watchSeconds * 1000L);
        }
    }

    private int status(PrintStream out) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/experiments/"
                + URLEncoder.encode(experiment, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            out.println("kdml status: " + r.body());
            return 1;
        }
        if (json) {
            out.println(r.body());
            return 0;
        }
        JsonNode st = Specs.json().readTree(r.body());
        out.printf("%s: %d runs; %s; CKA %d%n", st.get("experiment").asText(), st.get("total").asInt(),
                st.get("counts").toString(), st.get("cka").asInt());
        for (JsonNode run : st.get("runs")) {
            out.printf("  %s %-10s seed %-3d %-9s attempt %d %s%s%n", run.get("runId").asText(),
                    run.get("variant").asText(), run.get("seed").asLong(), run.get("state").asText(),
                    run.get("attempt").asInt(), run.path("progress").asText(""),
                    run.has("reason") ? "  (" + run.get("reason").asText() + ")" : "");
        }
        String metric = st.path("metric").asText("");
        if (!metric.isEmpty()) {
            printVariants(st, metric, out);
        }
        return 0;
    }

    private static void printVariants(JsonNode st, String metric, PrintStream out) {
        out.printf("test %s, mean ± std over seeds:%n", metric);
        for (Iterator<Map.Entry<String, JsonNode>> v = st.get("variants").fields(); v.hasNext();) {
            Map.Entry<String, JsonNode> e = v.next();
            StringBuilder line = new StringBuilder(String.format("  %-10s", e.getKey()));
            for (Iterator<Map.Entry<String, JsonNode>> n = e.getValue().fields(); n.hasNext();) {
                Map.Entry<String, JsonNode> ne = n.next();
                line.append(String.format("  %s %.3f±%.3f", ne.getKey(), ne.getValue().get("mean").asDouble(),
                        ne.getValue().get("std").asDouble()));
            }
            out.println(line);
        }
    }
}
