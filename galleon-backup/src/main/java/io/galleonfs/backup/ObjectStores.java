package io.galleonfs.backup;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Opens the {@link ObjectStore} a {@link TargetSpec} names. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /**
     * {@code file:///abs/path} opens (creating if needed) a {@link DirectoryObjectStore}; {@code s3://bucket/prefix}
     * an {@link S3ObjectStore} (the bucket must exist).
     *
     * @throws InvalidTargetException     malformed URL, unknown scheme, relative path, missing bucket
     * @throws TargetUnavailableException the target cannot be reached or written
     */
    public static ObjectStore open(TargetSpec spec) {
        if (spec == null || spec.url() == null || spec.url().isBlank()) {
            throw new InvalidTargetException("a backup target needs a URL (file:///path or s3://bucket/prefix)");
        }
        URI uri;
        try {
            uri = new URI(spec.url());
        } catch (URISyntaxException e) {
            throw new InvalidTargetException("bad backup target URL " + spec.url() + ": " + e.getMessage(), e);
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new InvalidTargetException("backup target URL " + spec.url()
                    + " has no scheme (file:///path or s3://bucket/prefix)");
        }
        return switch (scheme) {
            case "file" -> {
                if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                    throw new InvalidTargetException("file target URL " + spec.url()
                            + " must have an empty host: file:///absolute/path");
                }
                if (uri.getPath() == null || !uri.getPath().startsWith("/")) {
                    throw new InvalidTargetException("file target URL " + spec.url() + " needs an absolute path");
                }
                yield new DirectoryObjectStore(Path.of(uri.getPath()));
            }
            case "s3" -> S3ObjectStore.open(spec);
            default -> throw new InvalidTargetException("unknown backup target scheme '" + scheme + "' in "
                    + spec.url() + " (use file:///path or s3://bucket/prefix)");
        };
    }
}
