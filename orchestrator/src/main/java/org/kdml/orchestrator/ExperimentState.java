package org.kdml.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kdml.spec.Specs;

/**
 * The orchestrator's view of one experiment, folded from {@code kdml.events} and
 * {@code kdml.results}: the latest state of each run and its test scores. Pure functions over
 * JSON text, so that the Kafka Streams aggregate stays a one-liner and tests need no broker.
 */
public final class ExperimentState {

    private ExperimentState() {
    }

    /** @return the experiment a message on {@code kdml.events} or {@code kdml.results} belongs to, or null */
    public static String experimentOf(String message) {
        try {
            JsonNode n = Specs.json().readTree(message);
            return n != null && n.hasNonNull("experiment") && n.hasNonNull("runId") ? n.get("experiment").asText()
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Folds one message into the aggregate.
     *
     * @param aggregate the experiment's state so far ({@code {}} at first)
     * @param message an event or a result
     * @return the new state
     */
    public static String apply(String aggregate, String message) {
        try {
            ObjectNode agg = (ObjectNode) Specs.json().readTree(aggregate == null ? "{}" : aggregate);
            JsonNode m = Specs.json().readTree(message);
            String runId = m.get("runId").asText();
            agg.put("experiment", m.get("experiment").asText());
            ObjectNode runs = agg.has("runs") ? (ObjectNode) agg.get("runs") : agg.putObject("runs");
            ObjectNode run = runs.has(runId) ? (ObjectNode) runs.get(runId) : runs.putObject(runId);
            copy(m, run, "variant", "seed");
            if (m.has("kind")) {
                result(m, run);
            } else {
                copy(m, run, "attempt", "worker", "index", "total");
                String type = m.path("type").asText();
                if (!type.equals("checkpointed") || !run.has("state")) {
                    String state = type.equals("epoch") || type.equals("checkpointed") ? "running" : type;
                    // A failed attempt that will be retried is not the run's end.
                    if (type.equals("failed") && m.path("reason").asText().contains(", retrying: ")) {
                        state = "retrying";
                    }
                    run.put("state", state);
                }
                if (type.equals("epoch") && m.has("epoch")) {
                    run.put("phase", m.get("phase").asText());
                    run.put("epoch", m.get("epoch").asInt());
                    run.put("epochs", m.get("epochs").asInt());
                }
                if (type.equals("started")) {
                    run.remove(List.of("epoch", "epochs", "phase", "reason"));
                    run.put("startedAt", m.path("time").asLong());
                }
                if (m.hasNonNull("reason")) {
                    run.put("reason", m.get("reason").asText());
                }
                if (m.has("total")) {
                    agg.put("total", Math.max(agg.path("total").asInt(0), m.get("total").asInt()));
                }
            }
            run.put("updated", m.path("time").asLong());
            return Specs.json().writeValueAsString(agg);
        } catch (IOException | RuntimeException e) {
            // A message the view cannot read changes nothing (it was validated by its producer).
            return aggregate;
        }
    }

    private static void result(JsonNode m, ObjectNode run) {
        String kind = m.get("kind").asText();
        if (kind.equals("cka")) {
            run.put("cka", true);
            return;
        }
        run.put("evaluated", true);
        ObjectNode scores = run.putObject("scores");
        JsonNode nets = m.path("payload").path("networks");
        for (Iterator<Map.Entry<String, JsonNode>> it = nets.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.hasNonNull("test")) {
                scores.put(e.getKey(), v.get("test").get("accuracy").asDouble());
                run.put("metric", "accuracy");
            } else if (v.hasNonNull("segmentation")) {
                scores.put(e.getKey(), v.get("segmentation").get("iou").asDouble());
                run.put("metric", "iou");
            }
        }
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            if (from.hasNonNull(f)) {
                to.set(f, from.get(f));
            }
        }
    }

    /**
     * What {@code kdml status} shows: run counts by state, and mean ± std over seeds of the test
     * metric per variant and network.
     */
    public static Map<String, Object> status(String aggregate) throws IOException {
        JsonNode agg = Specs.json().readTree(aggregate);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("experiment", agg.path("experiment").asText());
        JsonNode runs = agg.path("runs");
        int total = Math.max(agg.path("total").asInt(0), runs.size());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String s : List.of("queued", "started", "running", "retrying", "completed", "evaluated", "failed")) {
            counts.put(s, 0);
        }
        int cka = 0;
        long firstStart = Long.MAX_VALUE;
        Map<String, Map<String, List<Double>>> byVariant = new TreeMap<>();
        String metric = null;
        List<Map<String, Object>> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = runs.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode r = e.getValue();
            String state = r.path("evaluated").asBoolean() ? "evaluated" : r.path("state").asText("queued");
            counts.merge(state, 1, Integer::sum);
            cka += r.path("cka").asBoolean() ? 1 : 0;
            if (r.has("startedAt")) {
                firstStart = Math.min(firstStart, r.get("startedAt").asLong());
            }
            if (r.has("scores")) {
                metric = r.path("metric").asText();
                for (Iterator<Map.Entry<String, JsonNode>> s = r.get("scores").fields(); s.hasNext();) {
                    Map.Entry<String, JsonNode> sc = s.next();
                    byVariant.computeIfAbsent(r.path("variant").asText(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(sc.getKey(), k -> new ArrayList<>()).add(sc.getValue().asDouble());
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("runId", e.getKey());
            row.put("variant", r.path("variant").asText());
            row.put("seed", r.path("seed").asLong());
            row.put("state", state);
            row.put("attempt", r.path("attempt").asInt(0));
            if (r.has("epoch")) {
                row.put("progress", r.get("phase").asText() + " " + r.get("epoch").asInt() + "/"
                        + r.get("epochs").asInt());
            }
            if (r.has("reason")) {
                row.put("reason", r.get("reason").asText());
            }
            row.put("cka", r.path("cka").asBoolean());
            list.add(row);
        }
        out.put("total", total);
        out.put("counts", counts);
        out.put("cka", cka);
        out.put("done", counts.get("evaluated") + counts.get("failed") >= total && total > 0);
        out.put("metric", metric);
        out.put("firstStartedAt", firstStart == Long.MAX_VALUE ? null : firstStart);
        Map<String, Object> variants = new LinkedHashMap<>();
        byVariant.forEach((variant, nets) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            nets.forEach((node, xs) -> v.put(node, meanStd(xs)));
            variants.put(variant, v);
        });
        out.put("variants", variants);
        list.sort((a, b) -> ((String) a.get("variant")).compareTo((String) b.get("variant")) != 0
                ? ((String) a.get("variant")).compareTo((String) b.get("variant"))
                : Long.compare((Long) a.get("seed"), (Long) b.get("seed")));
        out.put("runs", list);
        return out;
    }

    /** Mean, sample standard deviation (0 for one value) and count. */
    static Map<String, Object> meanStd(List<Double> xs) {
        double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", mean);
        m.put("std", xs.size() > 1 ? Math.sqrt(ss / (xs.size() - 1)) : 0.0);
        m.put("n", xs.size());
        return m;
    }
}
