package org.kdml.embedded;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.kdml.pipeline.Clients;
import org.kdml.pipeline.Topics;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node Apache Kafka (KRaft) in a Testcontainers container, with the settings the
 * embedded broker has: internal topics (offsets, transactions) replicated once with
 * {@code min.insync.replicas = 1}, so transactions work on one broker; 16 MiB messages; no
 * automatic topic creation. Its client port is fixed on the host when it is created, so
 * {@link #restart} keeps the address that clients already hold. The only class that uses
 * Testcontainers; {@link TestBroker} loads it only when Testcontainers is on the classpath.
 */
final class ContainerKafka implements Broker {

    /** The image when {@value #IMAGE_PROPERTY} is not set: the broker docker-compose.yml runs. */
    static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";
    /** The system property naming another {@code apache/kafka} image. */
    static final String IMAGE_PROPERTY = "kdml.test.kafka.image";

    private static final int KAFKA_PORT = 9092;
    private static final int WAIT_SECONDS = 60;

    private final KafkaContainer container;

    private ContainerKafka(KafkaContainer container) {
        this.container = container;
    }

    /** @return whether Testcontainers finds a Docker environment it can use */
    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** Starts a container of {@code image}, waits until it answers and creates the contract's topics. */
    static ContainerKafka start(String image) throws IOException {
        KafkaContainer c = new KafkaContainer(DockerImageName.parse(image))
                .withEnv("KAFKA_MESSAGE_MAX_BYTES", "16777216")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "3")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
        c.setPortBindings(List.of(EmbeddedKafka.freePort() + ":" + KAFKA_PORT));
        c.start();
        ContainerKafka kafka = new ContainerKafka(c);
        try {
            kafka.awaitAndCreateTopics();
        } catch (Exception | Error e) {
            c.stop();
            throw e;
        }
        return kafka;
    }

    @Override
    public String bootstrap() {
        return container.getBootstrapServers();
    }

    /**
     * Stops the container and starts the same container again: the host port is bound explicitly,
     * and the broker's log lives in the container's file system, so address and data are kept.
     */
    @Override
    public void restart() throws Exception {
        DockerClient docker = container.getDockerClient();
        docker.stopContainerCmd(container.getContainerId()).exec();
        docker.startContainerCmd(container.getContainerId()).exec();
        awaitAndCreateTopics();
    }

    @Override
    public void close() {
        container.stop();
    }

    private void awaitAndCreateTopics() {
        try (Admin admin = Clients.admin(bootstrap())) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(WAIT_SECONDS * 1000)).nodes()
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            Topics.create(admin, (short) 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka container " + bootstrap(), e);
        } catch (Exception e) {
            throw new IllegalStateException("the Kafka container " + bootstrap() + " did not answer within "
                    + WAIT_SECONDS + " s: " + e, e);
        }
    }
}
