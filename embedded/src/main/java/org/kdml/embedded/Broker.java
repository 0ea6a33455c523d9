package org.kdml.embedded;

/**
 * A running Kafka broker with the contract's topics, as a test sees it: where to reach it, a
 * restart on the same address with the same data, and a stop. {@link EmbeddedKafka} is one (in
 * this JVM); {@link TestBroker#start} gives the one the tests run against.
 */
public interface Broker extends AutoCloseable {

    /** @return {@code host:port} of the broker's client listener */
    String bootstrap();

    /** Stops the broker and starts it again on the same address, its topics and offsets kept. */
    void restart() throws Exception;

    /** Stops the broker. */
    @Override
    void close();
}
