package org.kdml.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.kdml.embedded.TestBroker.Choice;
import org.kdml.embedded.TestBroker.Kind;

/** The switch between the embedded broker and a Testcontainers Kafka decides from the setting and what it finds. */
class TestBrokerTest {

    private static final BooleanSupplier NOT_ASKED = () -> fail("Docker must not be looked for");

    @Test
    void thePropertyWinsOverTheEnvironmentAndTheDefaultIsAuto() {
        assertEquals("embedded", TestBroker.setting("embedded", "testcontainers"));
        assertEquals("testcontainers", TestBroker.setting(null, " TestContainers "));
        assertEquals("testcontainers", TestBroker.setting("", "testcontainers"));
        assertEquals("auto", TestBroker.setting(null, null));
        assertEquals("auto", TestBroker.setting(" ", ""));
    }

    @Test
    void autoTakesAContainerOnlyWhereDockerRuns() {
        Choice docker = TestBroker.choose("auto", true, () -> true);
        assertEquals(Kind.TESTCONTAINERS, docker.kind());
        assertEquals("kdml.test.kafka=auto and Docker is available", docker.reason());
        Choice none = TestBroker.choose("auto", true, () -> false);
        assertEquals(Kind.EMBEDDED, none.kind());
        assertEquals("kdml test broker: embedded KRaft broker (in this JVM) — kdml.test.kafka=auto and no Docker"
                + " environment was found", none.describe());
        Choice absent = TestBroker.choose("auto", false, NOT_ASKED);
        assertEquals(Kind.EMBEDDED, absent.kind());
        assertTrue(absent.reason().contains("Testcontainers is not on this module's test classpath"), absent.reason());
    }

    @Test
    void embeddedNeverLooksForDocker() {
        assertEquals(new Choice(Kind.EMBEDDED, "kdml.test.kafka=embedded"), TestBroker.choose("embedded", true,
                NOT_ASKED));
    }

    @Test
    void testcontainersWithoutDockerFailsSayingSo() {
        AtomicInteger asked = new AtomicInteger();
        Choice c = TestBroker.choose("testcontainers", true, () -> asked.incrementAndGet() > 0);
        assertEquals(Kind.TESTCONTAINERS, c.kind());
        assertEquals(1, asked.get());
        assertTrue(c.describe().startsWith("kdml test broker: Testcontainers Kafka (apache/kafka:"), c.describe());
        IllegalStateException noDocker = assertThrows(IllegalStateException.class,
                () -> TestBroker.choose("testcontainers", true, () -> false));
        assertTrue(noDocker.getMessage().startsWith("kdml.test.kafka=testcontainers, but no Docker environment was"
                + " found"), noDocker.getMessage());
        IllegalStateException noJar = assertThrows(IllegalStateException.class,
                () -> TestBroker.choose("testcontainers", false, NOT_ASKED));
        assertTrue(noJar.getMessage().contains("add org.testcontainers:kafka in test scope"), noJar.getMessage());
    }

    @Test
    void anotherValueIsRefusedWithTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestBroker.choose("docker", true, NOT_ASKED));
        assertEquals("kdml.test.kafka: expected one of [auto, embedded, testcontainers], got 'docker'", e.getMessage());
    }
}
