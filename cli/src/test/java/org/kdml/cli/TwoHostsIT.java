package org.kdml.cli;

import org.kdml.tools.Stack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.embedded.Await;
import org.kdml.pipeline.state.ExperimentStatus;
import org.kdml.pipeline.state.RunStatus;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.EventType;
import org.kdml.pipeline.PipelineConfig;
import org.kdml.pipeline.RunEvent;
import org.kdml.pipeline.Topics;

/**
 * Two hosts, simulated: the stack binds a veth address ({@code Stack.Settings.host}), and a
 * {@code kdml worker} process in its own network namespace, where 127.0.0.1 reaches nothing of the
 * stack, trains every run (the steps of {@code bench/two-hosts.sh}). Needs root and {@code ip netns};
 * skipped otherwise. Names and subnet come from this JVM's pid, so two builds do not collide.
 */
class TwoHostsIT {

    private static final Duration IDLE = Duration.ofMinutes(2);
    private static final long PID = ProcessHandle.current().pid();
    private static final String NS = "kdml-it-" + PID;
    private static final String HOST_IF = "kit" + PID + "a";
    private static final String NS_IF = "kit" + PID + "b";
    private static final String SUBNET = "10.204." + (PID % 250 + 1) + ".";
    private static final String HOST_IP = SUBNET + "1";
    private static final String WORKER = "it-ns-worker";
    private static final String NON_PROXY_HOSTS = System.getProperty("http.nonProxyHosts");

    @TempDir
    static Path tmp;
    static boolean created;
    static Stack stack;
    static Process worker;

    /** The exit status and output of a command (rc -1: it could not start). */
    private record Result(int rc, String output) {
    }

    private static Result exec(String... cmd) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", cmd) + ": still running after 30 s");
            }
            return new Result(p.exitValue(), out.strip());
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
    }

    private static void ip(String... args) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Result r = exec(cmd.toArray(String[]::new));
        assertEquals(0, r.rc(), String.join(" ", cmd) + ": " + r.output());
    }

    /** Whether a TCP connection to {@code host:port} opens from inside the namespace. */
    private static boolean reachableFromNamespace(String host, int port) throws InterruptedException {
        return exec("ip", "netns", "exec", NS, "timeout", "5", "bash", "-c",
                "exec 3<> /dev/tcp/" + host + "/" + port).rc() == 0;
    }

    @BeforeAll
    static void namespaceAndStack() throws Exception {
        Result uid = exec("id", "-u");
        assumeTrue(uid.rc() == 0 && uid.output().equals("0"), "needs root (ip netns add); uid " + uid.output());
        Result add = exec("ip", "netns", "add", NS);
        assumeTrue(add.rc() == 0, "needs ip netns: ip netns add " + NS + ": " + add.output());
        created = true;
        ip("link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF);
        ip("link", "set", NS_IF, "netns", NS);
        ip("addr", "add", HOST_IP + "/24", "dev", HOST_IF);
        ip("link", "set", HOST_IF, "up");
        ip("-n", NS, "addr", "add", SUBNET + "2/24", "dev", NS_IF);
        ip("-n", NS, "link", "set", NS_IF, "up");
        ip("-n", NS, "link", "set", "lo", "up");
        // The test JVM sends HTTP through a dead proxy (kdml.test.argLine) except to loopback; S3 on the
        // veth address must be reached directly, as from a second machine.
        System.setProperty("http.nonProxyHosts", (NON_PROXY_HOSTS == null ? "localhost|127.*|[::1]"
                : NON_PROXY_HOSTS) + "|" + SUBNET + "*");
        stack = new Stack(Stack.Settings.in(tmp.resolve("stack")).withHost(HOST_IP))
                .start(Map.of());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (worker != null) {
            worker.destroy();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (stack != null) {
            stack.close();
        }
        if (created) {
            exec("ip", "netns", "del", NS);
            exec("ip", "link", "del", HOST_IF);
        }
        if (NON_PROXY_HOSTS != null) {
            System.setProperty("http.nonProxyHosts", NON_PROXY_HOSTS);
        } else {
            System.clearProperty("http.nonProxyHosts");
        }
    }

    @Test
    void aWorkerInAnotherNetworkNamespaceTrainsEveryRunThroughTheAdvertisedAddress() throws Exception {
        PipelineConfig c = stack.config();
        int kafkaPort = Integer.parseInt(c.bootstrap().substring(c.bootstrap().lastIndexOf(':') + 1));
        int s3Port = Integer.parseInt(c.s3Endpoint().substring(c.s3Endpoint().lastIndexOf(':') + 1));
        assertEquals(HOST_IP + ":" + kafkaPort, c.bootstrap());
        assertEquals("http://" + HOST_IP + ":" + s3Port, c.s3Endpoint());
        assertFalse(reachableFromNamespace("127.0.0.1", kafkaPort), "loopback reaches the broker in " + NS);
        assertTrue(reachableFromNamespace(HOST_IP, kafkaPort), "the broker on " + HOST_IP);
        assertTrue(reachableFromNamespace(HOST_IP, s3Port), "S3 on " + HOST_IP);

        Path log = tmp.resolve("worker.log");
        worker = new ProcessBuilder("ip", "netns", "exec", NS,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx3g",
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "org.kdml.cli.Kdml", "worker", "--bootstrap", c.bootstrap(), "--s3", c.s3Endpoint(),
                "--id", WORKER, "--work", tmp.resolve("worker").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        SubmitCommand.publish(c.bootstrap(), String.join("\n", "name: two-hosts",
                "dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}", "teacher: resnet50-tiny",
                "students: [resnet18-tiny, resnet18-tiny]", "modes: [kd-ml]", "versions: [v3]", "seeds: [1, 2]",
                "training: {epochs: 2, teacherEpochs: 1, batchSize: 32, learningRate: 0.002}", ""));
        Await.until(() -> {
            if (!worker.isAlive()) {
                throw new IllegalStateException("the worker in " + NS + " exited: " + read(log));
            }
            ExperimentStatus st = stack.view().status("two-hosts");
            return st != null && st.total() == 2 && st.count(RunStatus.EVALUATED) == 2;
        }, () -> {
            ExperimentStatus st = stack.view().status("two-hosts");
            return st == null ? null : st.runs().stream().map(r -> r.state() + " " + r.progress()).toList();
        }, IDLE, () -> "both runs of two-hosts evaluated; worker log: " + read(log));

        List<RunEvent> completed = Clients.values(c.bootstrap(), Topics.EVENTS, Duration.ofMinutes(1)).stream()
                .filter(e -> e.type() == EventType.COMPLETED && e.experiment().equals("two-hosts")).toList();
        assertEquals(2, completed.stream().map(RunEvent::runId).distinct().count(), completed.toString());
        for (RunEvent e : completed) {
            assertEquals(WORKER, e.worker(), e.toString());
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
