package io.galleonfs.backup;

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
        throw new UnsupportedOperationException("implementation in progress");
    }
}
