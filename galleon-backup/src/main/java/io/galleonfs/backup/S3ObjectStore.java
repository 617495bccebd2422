package io.galleonfs.backup;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Object store in an S3 bucket under a key prefix (AWS SDK v2, blocking URL-connection HTTP client). A PutObject is
 * atomic and durable on S3-compatible stores, so {@code put} needs no temp object. Works with AWS and with
 * S3-compatible servers through an endpoint override and path-style addressing. Request/response checksums are
 * computed only where S3 requires them, because several S3-compatible servers reject the newer default trailers.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final String url;

    private S3ObjectStore(S3Client s3, String bucket, String prefix, String url) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.url = url;
    }

    /** Opens {@code s3://bucket[/prefix]} and checks the bucket is reachable. */
    public static S3ObjectStore open(TargetSpec spec) {
        URI uri;
        try {
            uri = new URI(spec.url());
        } catch (java.net.URISyntaxException e) {
            throw new InvalidTargetException("bad S3 target URL " + spec.url() + ": " + e.getMessage(), e);
        }
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        if (bucket == null || bucket.isBlank()) {
            throw new InvalidTargetException("S3 target URL " + spec.url() + " names no bucket (s3://bucket/prefix)");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String prefix = path.isEmpty() ? "" : path + "/";
        if ((spec.accessKeyId() == null) != (spec.secretAccessKey() == null)) {
            throw new InvalidTargetException("give both an access key id and a secret access key, or neither");
        }
        AwsCredentialsProvider credentials = spec.accessKeyId() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(spec.accessKeyId(),
                spec.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // No aws-chunked bodies: over plain HTTP the SDK otherwise cuts each PUT into 128 KiB chunks with a
                // signature each (SHA-256 per chunk plus an HMAC chain: the upload thread's largest cost in a profile
                // of a full backup, 2.5 x the pack's own SHA-256), and the server has to strip the framing again.
                // Without it a signed request hashes the body once (our content provider re-reads the caller's
                // array); over HTTPS the payload is not hashed at all.
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(spec.pathStyle())
                        .chunkedEncodingEnabled(false).build());
        String region = spec.region();
        if (region == null || region.isBlank()) {
            region = spec.endpoint() != null ? "us-east-1" : null;
        }
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (spec.endpoint() != null && !spec.endpoint().isBlank()) {
            URI endpoint;
            try {
                endpoint = new URI(spec.endpoint());
            } catch (java.net.URISyntaxException e) {
                throw new InvalidTargetException("bad S3 endpoint " + spec.endpoint() + ": " + e.getMessage(), e);
            }
            if (endpoint.getScheme() == null || endpoint.getHost() == null
                    || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
                throw new InvalidTargetException("S3 endpoint must be an http(s) URL: " + spec.endpoint());
            }
            builder.endpointOverride(endpoint);
        }
        S3Client client;
        try {
            client = builder.build();
        } catch (SdkClientException e) {
            throw new InvalidTargetException("cannot configure S3 target " + spec.url() + ": " + e.getMessage(), e);
        }
        String display = "s3://" + bucket + "/" + prefix + (spec.endpoint() == null ? "" : " at " + spec.endpoint());
        S3ObjectStore store = new S3ObjectStore(client, bucket, prefix, display);
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            client.close();
            throw new InvalidTargetException("S3 bucket " + bucket + " does not exist" + (spec.endpoint() == null
                    ? "" : " at " + spec.endpoint()), e);
        } catch (S3Exception e) {
            client.close();
            if (e.statusCode() == 404) {
                throw new InvalidTargetException("S3 bucket " + bucket + " does not exist", e);
            }
            if (e.statusCode() == 403) {
                throw new InvalidTargetException("access to S3 bucket " + bucket + " denied (check credentials)", e);
            }
            throw new TargetUnavailableException("S3 target " + display + " answered " + e.statusCode() + ": "
                    + e.getMessage(), e);
        } catch (SdkException e) {
            client.close();
            throw new TargetUnavailableException("S3 target " + display + " is unreachable: " + e.getMessage(), e);
        }
        return store;
    }

    private String key(String key) {
        return prefix + key;
    }

    private TargetUnavailableException failure(String what, SdkException e) {
        return new TargetUnavailableException("S3 target " + url + ": " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void put(String key, byte[] data) {
        put(key, data, 0, data.length);
    }

    @Override
    public void put(String key, byte[] data, int off, int len) {
        try {
            // a stream over the caller's array: RequestBody.fromBytes would copy a whole pack once more
            s3.putObject(b -> b.bucket(bucket).key(key(key)).contentLength((long) len),
                    RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(data, off, len), len,
                            "application/octet-stream"));
        } catch (SdkException e) {
            throw failure("cannot write " + key, e);
        }
    }

    @Override
    public byte[] get(String key) {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(key)));
            return r.asByteArrayUnsafe();
        } catch (NoSuchKeyException e) {
            throw new ObjectNotFoundException("no object " + key + " in " + url, e);
        } catch (SdkException e) {
            throw failure("cannot read " + key, e);
        }
    }

    @Override
    public byte[] getRange(String key, long offset, int length) {
        if (length == 0) {
            return new byte[0];
        }
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
            byte[] data = r.asByteArrayUnsafe();
            if (data.length != length) {
                throw new ObjectNotFoundException("object " + key + " in " + url + " is shorter than "
                        + (offset + length) + " bytes");
            }
            return data;
        } catch (SdkException e) {
            throw rangeFailure(key, offset, length, e);
        }
    }

    /** One ranged GET whose body is read as it arrives (the SDK's stream over the HTTP connection). */
    @Override
    public java.io.InputStream openRange(String key, long offset, long length) {
        if (length == 0) {
            return java.io.InputStream.nullInputStream();
        }
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (SdkException e) {
            throw rangeFailure(key, offset, length, e);
        }
    }

    /** A failed ranged read: a missing object or a range past its end is "not found", anything else a store failure. */
    private RuntimeException rangeFailure(String key, long offset, long length, SdkException e) {
        if (e instanceof NoSuchKeyException) {
            return new ObjectNotFoundException("no object " + key + " in " + url, e);
        }
        if (e instanceof S3Exception s3e && s3e.statusCode() == 416) {
            return new ObjectNotFoundException("object " + key + " in " + url + " is shorter than " + (offset + length) + " bytes", e);
        }
        return failure("cannot read " + key, e);
    }

    @Override
    public boolean exists(String key) {
        return size(key) >= 0;
    }

    @Override
    public long size(String key) {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key(key)));
            return r.contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw failure("cannot stat " + key, e);
        } catch (SdkException e) {
            throw failure("cannot stat " + key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String keyPrefix) {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(bucket).prefix(key(keyPrefix)).build();
            for (S3Object o : s3.listObjectsV2Paginator(req).contents()) {
                out.add(new ObjectInfo(o.key().substring(prefix.length()), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("cannot list " + keyPrefix, e);
        }
        return out;
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(key)));
        } catch (NoSuchKeyException e) {
            // already gone
        } catch (SdkException e) {
            throw failure("cannot delete " + key, e);
        }
    }

    @Override
    public String describe() {
        return url;
    }

    @Override
    public void close() {
        s3.close();
    }
}
