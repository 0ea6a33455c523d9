package org.kdml.embedded;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The one switch between the Kafka brokers the integration tests run against. Every test that
 * starts a broker calls {@link #start} (directly or through {@link EmbeddedStack#start}); the
 * choice comes from the system property {@value #PROPERTY} (else the environment variable
 * {@value #ENV}):
 * <ul>
 *   <li>{@code auto} (the default): a Testcontainers Kafka ({@code apache/kafka}) where Docker is
 *       available, else the embedded KRaft broker in this JVM;</li>
 *   <li>{@code embedded}: always the embedded broker (Docker is not even looked for);</li>
 *   <li>{@code testcontainers}: always a container; without Docker every test that starts a broker
 *       fails, saying so.</li>
 * </ul>
 * The choice is made once per JVM and printed as one line on stderr, with the reason.
 * {@code kdml run} and {@code kdml up} do not come here: they always embed the broker, and the
 * Testcontainers dependency is optional (test scope in the modules whose tests start a broker),
 * so the kdml jar and its {@code lib/} never carry it.
 */
public final class TestBroker {

    /** The system property of the switch. */
    public static final String PROPERTY = "kdml.test.kafka";
    /** The environment variable of the switch, read when the property is not set. */
    public static final String ENV = "KDML_TEST_KAFKA";
    /** The values of the switch. */
    public static final List<String> VALUES = List.of("auto", "embedded", "testcontainers");

    private static final String CONTAINER_CLASS = "org.testcontainers.kafka.KafkaContainer";

    private static Choice chosen;

    /** The two brokers. */
    public enum Kind {
        /** {@link EmbeddedKafka}, in this JVM. */
        EMBEDDED,
        /** A Testcontainers {@code apache/kafka} container. */
        TESTCONTAINERS
    }

    /**
     * Which broker the tests run against, and why.
     *
     * @param kind the broker
     * @param reason the setting and what was found, e.g. {@code kdml.test.kafka=auto and no Docker
     *     environment was found}
     */
    public record Choice(Kind kind, String reason) {

        /** @return the log line: the broker, then the reason */
        public String describe() {
            String broker = kind == Kind.EMBEDDED ? "embedded KRaft broker (in this JVM)"
                    : "Testcontainers Kafka (" + image() + ")";
            return "kdml test broker: " + broker + " — " + reason;
        }
    }

    private TestBroker() {
    }

    /**
     * The setting of the switch: the property if set, else the environment variable, else
     * {@code auto}; trimmed, lower case.
     *
     * @param property the value of {@value #PROPERTY}, or null
     * @param env the value of {@value #ENV}, or null
     */
    static String setting(String property, String env) {
        String value = property != null && !property.isBlank() ? property : env;
        return value == null || value.isBlank() ? "auto" : value.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Decides. Docker is looked for only when the setting allows a container and Testcontainers is
     * on the classpath.
     *
     * @param setting {@code auto}, {@code embedded} or {@code testcontainers}
     * @param testcontainers whether Testcontainers is on the classpath
     * @param docker whether a Docker environment is available (asked at most once)
     * @throws IllegalArgumentException for another setting
     * @throws IllegalStateException for {@code testcontainers} without Testcontainers or Docker
     */
    static Choice choose(String setting, boolean testcontainers, BooleanSupplier docker) {
        String named = PROPERTY + "=" + setting;
        switch (setting) {
            case "embedded":
                return new Choice(Kind.EMBEDDED, named);
            case "testcontainers":
                if (!testcontainers) {
                    throw new IllegalStateException(named + ", but Testcontainers is not on this module's test"
                            + " classpath (add org.testcontainers:kafka in test scope)");
                }
                if (!docker.getAsBoolean()) {
                    throw new IllegalStateException(named + ", but no Docker environment was found (Testcontainers"
                            + " looks at DOCKER_HOST, ~/.testcontainers.properties and the Docker socket); start"
                            + " Docker, or use " + PROPERTY + "=auto or embedded");
                }
                return new Choice(Kind.TESTCONTAINERS, named);
            case "auto":
                if (!testcontainers) {
                    return new Choice(Kind.EMBEDDED, named + " and Testcontainers is not on this module's test"
                            + " classpath");
                }
                return docker.getAsBoolean() ? new Choice(Kind.TESTCONTAINERS, named + " and Docker is available")
                        : new Choice(Kind.EMBEDDED, named + " and no Docker environment was found");
            default:
                throw new IllegalArgumentException(PROPERTY + ": expected one of " + VALUES + ", got '" + setting
                        + "'");
        }
    }

    /** @return this JVM's choice, made (and printed on stderr) on the first call */
    public static synchronized Choice choice() {
        if (chosen == null) {
            boolean present = present(CONTAINER_CLASS);
            // A lambda, not a method reference: ContainerKafka is loaded only when Docker is asked about.
            chosen = choose(setting(System.getProperty(PROPERTY), System.getenv(ENV)), present,
                    () -> ContainerKafka.dockerAvailable());
            System.err.println(chosen.describe());
        }
        return chosen;
    }

    /**
     * Starts the chosen broker, with the contract's topics, and waits until it answers.
     *
     * @param dir the embedded broker's data folder (unused by a container, whose data lives in it)
     */
    public static Broker start(Path dir) throws Exception {
        if (choice().kind() == Kind.TESTCONTAINERS) {
            return ContainerKafka.start(image());
        }
        return new EmbeddedKafka(dir, 0).start();
    }

    /**
     * @return the container's image: the system property {@value ContainerKafka#IMAGE_PROPERTY}, else
     *     {@value ContainerKafka#DEFAULT_IMAGE} (constants: reading them loads no Testcontainers class)
     */
    static String image() {
        return System.getProperty(ContainerKafka.IMAGE_PROPERTY, ContainerKafka.DEFAULT_IMAGE);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, TestBroker.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
