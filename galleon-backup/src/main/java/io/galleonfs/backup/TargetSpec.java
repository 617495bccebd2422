package io.galleonfs.backup;

/**
 * Where a repository lives. {@code url} is {@code file:///absolute/path} or {@code s3://bucket[/prefix]}. For S3,
 * {@code endpoint} overrides the AWS endpoint (MinIO, moto, Ceph), {@code region} defaults to us-east-1 when an
 * endpoint is given, {@code pathStyle} selects path-style addressing, and credentials are either both of
 * {@code accessKeyId}/{@code secretAccessKey} or neither (then the default AWS provider chain: environment, system
 * properties, profile files, container/instance roles). The secret never appears in {@link #toString()}.
 */
public record TargetSpec(String url, String endpoint, String region, boolean pathStyle, String accessKeyId,
                         String secretAccessKey) {

    public static TargetSpec directory(java.nio.file.Path path) {
        return new TargetSpec(path.toAbsolutePath().toUri().toString(), null, null, false, null, null);
    }

    public static TargetSpec of(String url) {
        return new TargetSpec(url, null, null, false, null, null);
    }

    @Override
    public String toString() {
        return "TargetSpec[url=" + url + ", endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                + ", accessKeyId=" + accessKeyId + ", secretAccessKey=" + (secretAccessKey == null ? null : "***")
                + "]";
    }
}
