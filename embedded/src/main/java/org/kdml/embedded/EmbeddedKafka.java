package org.kdml.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.kdml.pipeline.Topics;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), running in
 * this JVM, with its log in a local folder that survives a restart. Its client listener binds and
 * advertises one address (127.0.0.1 unless given: another machine's clients need an address they
 * reach); the controller listener stays on 127.0.0.1.
 */
public final class EmbeddedKafka implements Broker {

    private final Path dir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;
    private ScheduledExecutorService sweeper;

    /** How often the broker is swept for hanging transactions, and how old one must be. */
    private static final long SWEEP_SECONDS = 15;
    private static final long HANGING_AFTER_MILLIS = 20_000;

    /**
     * @param dir the broker's data folder (formatted on first start)
     * @param port the client port (0 = any free port)
     */
    public EmbeddedKafka(Path dir, int port) throws IOException {
        this(dir, "127.0.0.1", port);
    }

    /**
     * @param dir the broker's data folder (formatted on first start)
     * @param host the address the client listener binds and advertises (an IP literal or a name)
     * @param port the client port (0 = any free port)
     */
    public EmbeddedKafka(Path dir, String host, int port) throws IOException {
        this.dir = dir;
        this.host = host;
        this.port = port == 0 ? freePort() : port;
        this.controllerPort = freePort();
    }

    /** @return a port nothing listens on now */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** @return {@code host:port}, an IPv6 literal in brackets */
    @Override
    public String bootstrap() {
        return hostPort(host, port);
    }

    /** @return {@code host:port}, with an IPv6 literal in brackets */
    public static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** @return the client port */
    public int port() {
        return port;
    }

    private KafkaConfig config() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + bootstrap() + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + bootstrap());
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("log").toString());
        p.put("metadata.log.dir", dir.resolve("meta").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("log.flush.interval.messages", "1");
        p.put("message.max.bytes", "16777216");
        return KafkaConfig.fromProps(p, false);
    }

    /** Formats the folder on first use, starts the broker and waits until it answers (at most 60 s). */
    public EmbeddedKafka start() throws Exception {
        KafkaConfig config = config();
        if (!Files.exists(dir.resolve("meta").resolve("meta.properties"))) {
            Files.createDirectories(dir);
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId("kdml-embedded-kraft01")
                    .setDirectories(List.of(dir.resolve("log").toString(), dir.resolve("meta").toString()))
                    .setMetadataLogDirectory(dir.resolve("meta").toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    .run();
        }
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
            Topics.create(admin, (short) 1);
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kdml-kafka-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        return this;
    }

    /** Aborts hanging transactions ({@link HangingTransactions}) on the offsets topic and kdml's topics. */
    private void sweep() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            List<TopicPartition> parts = new ArrayList<>();
            List<String> names = new ArrayList<>(Topics.names());
            names.add(Topic.GROUP_METADATA_TOPIC_NAME);
            admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                    d.partitions().forEach(p -> parts.add(new TopicPartition(name, p.partition()))));
            for (String a : HangingTransactions.abort(admin, parts, HANGING_AFTER_MILLIS)) {
                System.err.println("embedded Kafka: aborted a hanging transaction (" + a + ")");
            }
        } catch (Exception e) {
            // The broker is stopping, or busy: the next sweep tries again.
        }
    }

    /** Stops the broker and starts it again on the same folder and port. */
    @Override
    public void restart() throws Exception {
        close();
        start();
    }

    /** Stops the broker (its data stays). */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }
}
