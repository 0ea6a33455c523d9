package org.kdml.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the pipeline's services find Kafka and S3, and the S3 credentials.
 *
 * @param bootstrap Kafka bootstrap servers, e.g. {@code 127.0.0.1:9092}
 * @param s3Endpoint S3 endpoint, e.g. {@code http://127.0.0.1:9000}
 * @param accessKey S3 access key (from {@code KDML_S3_ACCESS_KEY})
 * @param secretKey S3 secret key (from {@code KDML_S3_SECRET_KEY}); never printed
 * @param bucket the checkpoint bucket
 * @param work local scratch folder (downloaded checkpoints, data caches)
 */
public record PipelineConfig(String bootstrap, String s3Endpoint, String accessKey, String secretKey, String bucket,
        Path work) {

    /** Default Kafka address in embedded mode. */
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    /** Default S3 endpoint in embedded mode. */
    public static final String DEFAULT_S3 = "http://127.0.0.1:9000";
    /** Documented development access key, used when {@code KDML_S3_ACCESS_KEY} is unset. */
    public static final String DEV_ACCESS_KEY = "kdml";
    /** Documented development secret key, used when {@code KDML_S3_SECRET_KEY} is unset. */
    public static final String DEV_SECRET_KEY = "kdml-dev-secret";
    /** The checkpoint bucket of the contract. */
    public static final String BUCKET = "kdml-checkpoints";

    /** Validates every field. */
    public PipelineConfig {
        require("bootstrap", bootstrap);
        require("s3", s3Endpoint);
        require("KDML_S3_ACCESS_KEY", accessKey);
        require("KDML_S3_SECRET_KEY", secretKey);
        require("bucket", bucket);
        if (!s3Endpoint.startsWith("http://") && !s3Endpoint.startsWith("https://")) {
            throw new IllegalArgumentException("s3: endpoint must start with http:// or https://, got " + s3Endpoint);
        }
        if (work == null) {
            throw new IllegalArgumentException("work: a scratch folder is required");
        }
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": must not be empty");
        }
    }

    /**
     * A configuration with credentials from the environment (dev defaults when unset).
     *
     * @param env the environment, e.g. {@code System.getenv()}
     */
    public static PipelineConfig of(String bootstrap, String s3Endpoint, Map<String, String> env, Path work) {
        return new PipelineConfig(bootstrap, s3Endpoint, env.getOrDefault("KDML_S3_ACCESS_KEY", DEV_ACCESS_KEY),
                env.getOrDefault("KDML_S3_SECRET_KEY", DEV_SECRET_KEY), BUCKET, work);
    }

    /** Keeps the secret out of logs. */
    @Override
    public String toString() {
        return "PipelineConfig[bootstrap=" + bootstrap + ", s3=" + s3Endpoint + ", accessKey=" + accessKey
                + ", bucket=" + bucket + ", work=" + work + "]";
    }
}
