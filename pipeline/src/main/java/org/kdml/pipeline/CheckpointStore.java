package org.kdml.pipeline;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.kdml.spec.Specs;

/**
 * Checkpoints in S3 (MinIO client), in bucket {@code kdml-checkpoints}, at the keys
 * {@link RunKeys} spells. Every checkpoint ends with a {@link Manifest}
 * listing the SHA-256 of each file; a reader verifies every file against it and refuses a
 * checkpoint that does not match. Transport failures are retried with backoff.
 */
public final class CheckpointStore implements AutoCloseable {

    private final MinioClient client;
    private final String bucket;
    private final Duration patience;

    /**
     * @param config endpoint, credentials and bucket
     * @param patience how long transport failures are retried before giving up
     */
    public CheckpointStore(PipelineConfig config, Duration patience) {
        this.client = MinioClient.builder().endpoint(config.s3Endpoint())
                .credentials(config.accessKey(), config.secretKey()).region("us-east-1").build();
        this.client.setTimeout(10_000, 60_000, 60_000);
        this.bucket = config.bucket();
        this.patience = patience;
    }

    /** Creates the bucket if it is missing. */
    public void ensureBucket() throws Exception {
        Retry.withBackoff("creating bucket " + bucket, patience, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
            return null;
        });
    }

    /** @return the bucket name */
    public String bucket() {
        return bucket;
    }

    /**
     * Uploads every file of {@code dir} under {@code prefix}, then the manifest.
     *
     * @param prefix e.g. {@code exp/run/epoch-joint-0003/}
     * @param manifest the manifest without files (they are filled in here)
     * @return the manifest as written
     */
    public Manifest put(String prefix, Path dir, Manifest manifest) throws Exception {
        Map<String, Manifest.FileEntry> files = new TreeMap<>();
        List<Path> list;
        try (Stream<Path> s = Files.list(dir)) {
            list = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : list) {
            String name = f.getFileName().toString();
            files.put(name, new Manifest.FileEntry(sha256(f), Files.size(f)));
            Retry.withBackoff("uploading " + prefix + name, patience, () -> {
                try (InputStream in = Files.newInputStream(f)) {
                    client.putObject(PutObjectArgs.builder().bucket(bucket).object(prefix + name)
                            .stream(in, Files.size(f), -1).build());
                }
                return null;
            });
        }
        Manifest full = new Manifest(manifest.runId(), manifest.experiment(), manifest.kind(), manifest.phase(),
                manifest.epoch(), manifest.attempt(), files, manifest.provenance(), System.currentTimeMillis());
        putBytes(prefix + Manifest.FILE, Specs.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(full));
        return full;
    }

    /** Uploads one object. */
    public void putBytes(String key, byte[] bytes) throws Exception {
        Retry.withBackoff("uploading " + key, patience, () -> {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
            return null;
        });
    }

    /** @return the object's bytes, or null when it does not exist */
    public byte[] getBytes(String key) throws Exception {
        return Retry.withBackoff("reading " + key, patience, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                return in.readAllBytes();
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code())) {
                    return null;
                }
                throw e;
            }
        });
    }

    /** @return whether the object exists */
    public boolean exists(String key) throws Exception {
        return Retry.withBackoff("checking " + key, patience, () -> {
            try {
                client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code())) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * Downloads the checkpoint under {@code prefix} into {@code dir}, verifying every file against
     * its manifest.
     *
     * @return the manifest
     * @throws CorruptCheckpointException when the manifest is missing or unreadable, or a file is
     *     missing, has another size or another SHA-256
     */
    public Manifest get(String prefix, Path dir) throws Exception {
        byte[] raw = getBytes(prefix + Manifest.FILE);
        if (raw == null) {
            throw new CorruptCheckpointException(prefix + ": no " + Manifest.FILE + " (incomplete checkpoint)");
        }
        Manifest manifest;
        try {
            manifest = Specs.json().readValue(raw, Manifest.class);
        } catch (IOException e) {
            throw new CorruptCheckpointException(prefix + Manifest.FILE + ": unreadable manifest: " + e.getMessage());
        }
        if (manifest.files() == null || manifest.files().isEmpty()) {
            throw new CorruptCheckpointException(prefix + Manifest.FILE + ": lists no files");
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, Manifest.FileEntry> e : manifest.files().entrySet()) {
            String name = RunKeys.safe("manifest file", e.getKey());
            download(prefix + name, dir.resolve(name), e.getValue());
        }
        return manifest;
    }

    /**
     * The epoch checkpoints of a run that have a manifest, newest (latest phase and epoch) last.
     *
     * @return folders such as {@code exp/run/epoch-joint-0003/}
     */
    public List<String> epochCheckpoints(RunKeys run) throws Exception {
        List<String> out = new ArrayList<>();
        for (String p : list(run.prefix())) {
            if (run.isEpoch(p) && exists(p + Manifest.FILE)) {
                out.add(p);
            }
        }
        out.sort((a, b) -> Long.compare(RunKeys.epochOrder(a), RunKeys.epochOrder(b)));
        return out;
    }

    /** @return the immediate "folders" under {@code prefix} */
    public List<String> list(String prefix) throws Exception {
        return Retry.withBackoff("listing " + prefix, patience, () -> {
            List<String> out = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).build())) {
                out.add(r.get().objectName());
            }
            return out;
        });
    }

    /** Deletes every object under {@code prefix}. */
    public void delete(String prefix) throws Exception {
        for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                .recursive(true).build())) {
            String key = r.get().objectName();
            Retry.withBackoff("deleting " + key, patience, () -> {
                client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
                return null;
            });
        }
    }

    /**
     * Streams one object into {@code file}, hashing it on the way (a checkpoint's weights and
     * optimizer moments are hundreds of MB: they never sit whole in the Java heap), then checks
     * its size and SHA-256 against the manifest; a file that does not match is deleted.
     */
    private void download(String key, Path file, Manifest.FileEntry expected) throws Exception {
        String sha = Retry.withBackoff("reading " + key, patience, () -> {
            MessageDigest digest = sha256Digest();
            try (InputStream in = new DigestInputStream(client.getObject(
                    GetObjectArgs.builder().bucket(bucket).object(key).build()), digest)) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code())) {
                    return null;
                }
                throw e;
            }
            return HexFormat.of().formatHex(digest.digest());
        });
        if (sha == null) {
            throw new CorruptCheckpointException(key + ": listed in the manifest but missing");
        }
        long size = Files.size(file);
        if (size != expected.size()) {
            Files.delete(file);
            throw new CorruptCheckpointException(key + ": " + size + " bytes, the manifest says "
                    + expected.size() + " (truncated?)");
        }
        if (!sha.equals(expected.sha256())) {
            Files.delete(file);
            throw new CorruptCheckpointException(key + ": SHA-256 " + sha + " does not match the manifest's "
                    + expected.sha256());
        }
    }

    /** Hex SHA-256 of a file, read in 1 MiB pieces. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Provenance fields of a manifest, from a run's result provenance. */
    public static Map<String, Object> provenance(Object provenance) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Specs.json().convertValue(provenance, LinkedHashMap.class);
        return m;
    }

    @Override
    public void close() throws Exception {
        client.close();
    }
}
