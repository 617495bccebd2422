package io.galleonfs.backup;

import java.util.List;

/**
 * Flat key/value store under a backup target: the only thing the repository needs from a directory or an S3 bucket.
 * Keys are '/'-separated relative paths ("data/ab/abcd...", "keys/recovery"). Every {@code put} is atomic and durable
 * when it returns: readers see the whole object or none (directory: temp file, fsync, rename, fsync directory; S3: a
 * single PutObject). Errors are {@link TargetUnavailableException} (I/O, network), {@link TargetFullException} and
 * {@link ObjectNotFoundException}.
 */
public interface ObjectStore extends AutoCloseable {

    /** Writes the whole object atomically and durably, replacing an existing one. */
    void put(String key, byte[] data);

    /** Like {@link #put(String, byte[])} for {@code data[off, off+len)}, without copying where the store can. */
    default void put(String key, byte[] data, int off, int len) {
        put(key, off == 0 && len == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + len));
    }

    /** Reads the whole object. */
    byte[] get(String key);

    /** Reads {@code length} bytes starting at {@code offset}; fails if the object is shorter. */
    byte[] getRange(String key, long offset, int length);

    /**
     * Like {@link #getRange} into {@code dst[0, length)}, without allocating where the store can (a restore reads
     * megabytes per request into a buffer it re-uses).
     */
    default void getRange(String key, long offset, int length, byte[] dst) {
        System.arraycopy(getRange(key, offset, length), 0, dst, 0, length);
    }

    /**
     * Opens {@code [offset, offset+length)} for reading in order, as one request: a restore fetches a whole pack span
     * this way and decodes it blob by blob, instead of one ranged GET per few MiB (moto_server, and any S3 server that
     * reads the whole object per request, paid a pack's size per GET). The stream ends early if the object is shorter;
     * a missing object is {@link ObjectNotFoundException}. The default reads the range in one {@link #getRange}.
     */
    default java.io.InputStream openRange(String key, long offset, long length) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("range of " + length + " bytes is too large for one read");
        }
        return new java.io.ByteArrayInputStream(getRange(key, offset, (int) length));
    }

    boolean exists(String key);

    /** Size in bytes, or -1 if there is no such object. */
    long size(String key);

    /** Every object whose key starts with {@code prefix}, in no particular order. */
    List<ObjectInfo> list(String prefix);

    /** Deletes the object; deleting a missing object is not an error. */
    void delete(String key);

    /** The target URL (no secrets), for messages. */
    String describe();

    @Override
    void close();
}
