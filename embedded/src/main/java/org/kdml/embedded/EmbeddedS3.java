package org.kdml.embedded;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3-compatible server (S3Proxy) on a local folder, in this JVM, bound to one address (127.0.0.1
 * unless given), speaking
 * the S3 protocol with AWS signature authentication; the MinIO client and {@code aws s3} talk to it.
 */
public final class EmbeddedS3 implements AutoCloseable {

    private final Path dir;
    private final String host;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private S3Proxy proxy;

    /**
     * @param dir where objects are kept (one sub-folder per bucket)
     * @param port the port (0 = any free port)
     */
    public EmbeddedS3(Path dir, int port, String accessKey, String secretKey) throws IOException {
        this(dir, "127.0.0.1", port, accessKey, secretKey);
    }

    /**
     * @param dir where objects are kept (one sub-folder per bucket)
     * @param host the address it binds (an IP literal or a name)
     * @param port the port (0 = any free port)
     */
    public EmbeddedS3(Path dir, String host, int port, String accessKey, String secretKey) throws IOException {
        this.dir = dir;
        this.host = host;
        this.port = port == 0 ? EmbeddedKafka.freePort() : port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** @return {@code http://host:port} */
    public String endpoint() {
        return "http://" + EmbeddedKafka.hostPort(host, port);
    }

    /** @return the port */
    public int port() {
        return port;
    }

    /** Starts serving and waits until it is up (at most 30 s). */
    public EmbeddedS3 start() throws Exception {
        Files.createDirectories(dir);
        proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dir.toAbsolutePath().toString()))
                .endpoint(URI.create(endpoint()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        Await.until(() -> proxy.getState().equals("STARTED"), proxy::getState, Duration.ofSeconds(30),
                () -> "the S3 server on " + endpoint() + " to start (state " + proxy.getState() + ")");
        return this;
    }

    /** Stops serving (objects stay on disk); {@link #start} serves again on the same port. */
    @Override
    public void close() throws Exception {
        if (proxy != null) {
            proxy.stop();
            proxy = null;
        }
    }
}
