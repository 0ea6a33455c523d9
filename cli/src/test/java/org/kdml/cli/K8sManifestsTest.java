package org.kdml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.Topics;
import org.kdml.worker.TrainerWorker;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The Kubernetes manifests in {@code deploy/k8s} hold what the code expects: Kubernetes objects with
 * names, S3 keys only by reference, container command lines that the real {@code kdml} parses, a GPU
 * per worker and a grace period longer than the worker's, and a KEDA scaler on the workers' group
 * and topic within the topic's partitions. With {@code kubectl} on the PATH, kustomize builds them.
 */
class K8sManifestsTest {

    private static final Path DIR = Path.of("..", "deploy", "k8s");
    private static final String KUSTOMIZATION = "kustomization.yaml";
    private static final ObjectReader YAML = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Z0-9_]+)\\)");

    /** One object of a manifest file. */
    private record Manifest(String file, JsonNode node) {

        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        /** @return the first container of a Deployment's pod */
        JsonNode container() {
            return node.path("spec").path("template").path("spec").path("containers").path(0);
        }

        @Override
        public String toString() {
            return file + ": " + kind() + " " + name();
        }
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static List<JsonNode> documents(String text) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readValues(text)) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isMissingNode() && !n.isNull()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static List<Manifest> manifests() throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (Path f : files()) {
            if (!f.getFileName().toString().equals(KUSTOMIZATION)) {
                for (JsonNode n : documents(Files.readString(f))) {
                    out.add(new Manifest(f.getFileName().toString(), n));
                }
            }
        }
        return out;
    }

    private static List<Manifest> ofKind(List<Manifest> all, String kind) {
        return all.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    private static Manifest worker(List<Manifest> all) {
        List<Manifest> w = ofKind(all, "Deployment").stream()
                .filter(d -> d.container().path("args").path(0).asText().equals("worker")).toList();
        assertEquals(1, w.size(), "one Deployment runs kdml worker: " + w);
        return w.get(0);
    }

    private static Map<String, String> config(List<Manifest> all) {
        List<Manifest> maps = ofKind(all, "ConfigMap");
        assertEquals(1, maps.size(), "one ConfigMap: " + maps);
        Map<String, String> out = new TreeMap<>();
        maps.get(0).node().path("data").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** @return the container's args with each {@code $(VAR)} replaced by the ConfigMap's value it names */
    private static List<String> args(Manifest deployment, Map<String, String> config) {
        Map<String, String> env = new TreeMap<>();
        for (JsonNode e : deployment.container().path("env")) {
            JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
            if (!ref.isMissingNode()) {
                env.put(e.path("name").asText(), config.get(ref.path("key").asText()));
            }
        }
        List<String> out = new ArrayList<>();
        for (JsonNode a : deployment.container().path("args")) {
            Matcher m = VARIABLE.matcher(a.asText());
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = env.get(m.group(1));
                assertNotNull(value, deployment + ": $(" + m.group(1) + ") is in no env entry from the ConfigMap");
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * Parses {@code args} with the real {@code kdml} command tree (nothing runs): an unknown or
     * renamed option, a missing value or a value of the wrong type fails.
     *
     * @return the parse of the subcommand
     */
    private static ParseResult parses(Manifest deployment, List<String> args) {
        try {
            ParseResult top = Kdml.commandLine(new PrintStream(OutputStream.nullOutputStream()))
                    .parseArgs(args.toArray(String[]::new));
            assertTrue(top.hasSubcommand(), deployment + ": kdml " + args + " names no command");
            return top.subcommand();
        } catch (ParameterException e) {
            throw new AssertionError(deployment + ": kdml " + String.join(" ", args) + " → " + e.getMessage(), e);
        }
    }

    @Test
    void everyObjectHasAKindAndANameAndTheKustomizationListsEveryFile() throws IOException {
        List<Manifest> all = manifests();
        assertFalse(all.isEmpty(), "no manifests in " + DIR.toAbsolutePath());
        for (Manifest m : all) {
            assertFalse(m.node().path("apiVersion").asText().isEmpty(), m + ": apiVersion");
            assertFalse(m.kind().isEmpty(), m.file() + ": kind");
            assertFalse(m.name().isEmpty(), m + ": metadata.name");
        }
        Set<String> listed = new TreeSet<>();
        for (JsonNode r : documents(Files.readString(DIR.resolve(KUSTOMIZATION))).get(0).path("resources")) {
            listed.add(r.asText());
        }
        Set<String> present = new TreeSet<>();
        for (Path f : files()) {
            present.add(f.getFileName().toString());
        }
        present.remove(KUSTOMIZATION);
        assertEquals(present, listed, KUSTOMIZATION + " resources");
    }

    @Test
    void credentialsAreOnlyReferencesToASecretTheUserCreates() throws IOException {
        List<Manifest> all = manifests();
        assertEquals(List.of(), ofKind(all, "Secret"), "no Secret in the manifests: the user creates kdml-s3");
        // The names PipelineConfig reads.
        PipelineConfig read = PipelineConfig.of("b:9092", "http://s3", Map.of("KDML_S3_ACCESS_KEY", "a",
                "KDML_S3_SECRET_KEY", "s"), Path.of("w"));
        assertEquals("a", read.accessKey());
        assertEquals("s", read.secretKey());
        Pattern credential = Pattern.compile(".*(KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL).*");
        List<Manifest> deployments = ofKind(all, "Deployment");
        assertEquals(5, deployments.size(), "orchestrator, evaluator, cka-analyzer, reporter, trainer worker: "
                + deployments);
        for (Manifest d : deployments) {
            Set<String> keys = new TreeSet<>();
            for (JsonNode e : d.container().path("env")) {
                String name = e.path("name").asText();
                if (credential.matcher(name).matches()) {
                    assertFalse(e.has("value"), d + ": " + name + " has a literal value");
                    JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                    assertEquals("kdml-s3", ref.path("name").asText(), d + ": " + name + " from the Secret kdml-s3");
                    keys.add(name);
                }
            }
            assertEquals(Set.of("KDML_S3_ACCESS_KEY", "KDML_S3_SECRET_KEY"), keys, d + ": the S3 keys");
        }
        for (Path f : files()) {
            String text = Files.readString(f);
            assertFalse(text.contains(PipelineConfig.DEV_SECRET_KEY), f + " holds the development secret");
            assertFalse(text.contains("stringData"), f + " holds Secret data");
        }
    }

    @Test
    void theWorkerHasAGpuAndOutlastsItsGracePeriodAndItsArgsAreARealKdmlWorker() throws IOException {
        List<Manifest> all = manifests();
        Manifest w = worker(all);
        JsonNode resources = w.container().path("resources");
        assertEquals("1", resources.path("limits").path("nvidia.com/gpu").asText(), w + ": limits nvidia.com/gpu");
        assertFalse(resources.path("requests").path("cpu").asText().isEmpty(), w + ": requests.cpu");
        assertFalse(resources.path("requests").path("memory").asText().isEmpty(), w + ": requests.memory");
        JsonNode pod = w.node().path("spec").path("template").path("spec");
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), w + ": runAsNonRoot");
        List<String> args = args(w, config(all));
        // Fails until `kdml worker --grace-period SECONDS` exists: then the arguments are real.
        ParseResult parsed = parses(w, args);
        assertEquals("worker", parsed.commandSpec().name(), w + ": kdml worker");
        int grace = Integer.parseInt(parsed.matchedOption("--grace-period").stringValues().get(0));
        int podGrace = pod.path("terminationGracePeriodSeconds").asInt(30);
        assertTrue(podGrace > grace, w + ": terminationGracePeriodSeconds " + podGrace + " must exceed --grace-period "
                + grace + ", or the kubelet kills the worker before its checkpoint is durable");
    }

    @Test
    void theScalerFollowsTheWorkersGroupOnTheRunsTopicWithinItsPartitions() throws IOException {
        List<Manifest> all = manifests();
        List<Manifest> scalers = ofKind(all, "ScaledObject");
        assertEquals(1, scalers.size(), "one ScaledObject: " + scalers);
        Manifest so = scalers.get(0);
        assertEquals("keda.sh/v1alpha1", so.node().path("apiVersion").asText());
        JsonNode spec = so.node().path("spec");
        assertEquals(worker(all).name(), spec.path("scaleTargetRef").path("name").asText(), so + ": scaleTargetRef");
        int max = spec.path("maxReplicaCount").asInt(-1);
        assertTrue(max >= 1 && max <= Topics.RUNS.partitions(), so + ": maxReplicaCount " + max + " within the "
                + Topics.RUNS.partitions() + " partitions of " + Topics.RUNS.name());
        assertEquals(0, spec.path("minReplicaCount").asInt(-1), so + ": minReplicaCount");
        JsonNode down = spec.path("advanced").path("horizontalPodAutoscalerConfig").path("behavior").path("scaleDown");
        int window = down.path("stabilizationWindowSeconds").asInt(-1);
        // The HPA refuses windows over an hour (and KEDA then does not scale at all).
        assertTrue(window >= 300 && window <= 3600, so + ": scaleDown.stabilizationWindowSeconds " + window);
        assertEquals("Pods", down.path("policies").path(0).path("type").asText(), so + ": scaleDown policy");
        assertEquals(1, down.path("policies").path(0).path("value").asInt(), so + ": one pod at a time");
        JsonNode triggers = spec.path("triggers");
        assertEquals(1, triggers.size(), so + ": one trigger");
        assertEquals("kafka", triggers.path(0).path("type").asText(), so + ": trigger type");
        JsonNode m = triggers.path(0).path("metadata");
        assertEquals(Topics.RUNS.name(), m.path("topic").asText(), so + ": topic");
        assertEquals(TrainerWorker.GROUP, m.path("consumerGroup").asText(), so + ": consumerGroup");
        // KEDA's metadata values are strings; one run per worker.
        assertTrue(m.path("lagThreshold").isTextual(), so + ": lagThreshold is a string");
        assertEquals("1", m.path("lagThreshold").asText(), so + ": lagThreshold");
        assertEquals("false", m.path("allowIdleConsumers").asText(), so + ": allowIdleConsumers");
        assertEquals("earliest", m.path("offsetResetPolicy").asText(), so + ": the workers' auto.offset.reset");
        assertEquals(config(all).get("KDML_BOOTSTRAP"), m.path("bootstrapServers").asText(),
                so + ": bootstrapServers equal to the ConfigMap's KDML_BOOTSTRAP");
    }

    @Test
    void eachServiceDeploymentRunsARealKdmlServeServiceOnce() throws IOException {
        List<Manifest> all = manifests();
        Map<String, String> config = config(all);
        List<String> served = new ArrayList<>();
        for (Manifest d : ofKind(all, "Deployment")) {
            List<String> args = args(d, config);
            if (args.get(0).equals("worker")) {
                continue;
            }
            assertEquals("serve", args.get(0), d + ": kdml serve or kdml worker");
            assertTrue(ServeCommand.SERVICES.contains(args.get(1)), d + ": kdml serve " + args.get(1) + " is not one of "
                    + ServeCommand.SERVICES);
            ParseResult parsed = parses(d, args);
            assertEquals("serve", parsed.commandSpec().name(), d + ": kdml serve");
            served.add(args.get(1));
            JsonNode pod = d.node().path("spec").path("template").path("spec");
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), d + ": runAsNonRoot");
            // A fixed transactional id: one replica, never two during a rollout.
            assertEquals(1, d.node().path("spec").path("replicas").asInt(), d + ": replicas");
            assertEquals("Recreate", d.node().path("spec").path("strategy").path("type").asText(), d + ": strategy");
            if (args.get(1).equals("orchestrator")) {
                assertTrue(parsed.hasMatchedOption("--status-port"), d + ": --status-port");
                String port = parsed.matchedOption("--status-port").stringValues().get(0);
                List<Manifest> services = ofKind(all, "Service");
                assertEquals(1, services.size(), "one Service, the orchestrator's status: " + services);
                JsonNode svc = services.get(0).node().path("spec");
                assertEquals(port, svc.path("ports").path(0).path("port").asText(), services.get(0) + ": port");
                assertEquals(d.node().path("spec").path("template").path("metadata").path("labels"),
                        svc.path("selector"), services.get(0) + ": selects the orchestrator's pods");
            }
        }
        served.sort(null);
        List<String> expected = new ArrayList<>(ServeCommand.SERVICES);
        // The MLflow bridge is optional (off by default, like compose's mlflow profile): no manifest.
        expected.remove("mlflow-bridge");
        expected.sort(null);
        assertEquals(expected, served, "each kdml serve service once (but the optional MLflow bridge)");
    }

    @Test
    void kubectlKustomizeBuildsTheSameObjects(@TempDir Path tmp) throws Exception {
        String kubectl = onPath("kubectl");
        Assumptions.assumeTrue(kubectl != null, "kubectl is not on the PATH: the manifests were parsed but not built"
                + " with kustomize (.ci/run installs Debian's kubernetes-client)");
        // kustomize builds offline; `kubectl apply --dry-run=client` would need a cluster's API discovery.
        Path out = tmp.resolve("out.yaml");
        Path err = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(kubectl, "kustomize", DIR.toString()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl kustomize " + DIR + " took over 60 s");
        }
        assertEquals(0, p.exitValue(), "kubectl kustomize " + DIR + ": " + Files.readString(err));
        Set<String> built = new TreeSet<>();
        for (JsonNode n : documents(Files.readString(out))) {
            built.add(n.path("kind").asText() + "/" + n.path("metadata").path("name").asText());
        }
        Set<String> written = new TreeSet<>();
        for (Manifest m : manifests()) {
            written.add(m.kind() + "/" + m.name());
        }
        assertEquals(written, built, "kubectl kustomize " + DIR);
    }

    /** @return the path of {@code command} on the PATH, or null */
    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
