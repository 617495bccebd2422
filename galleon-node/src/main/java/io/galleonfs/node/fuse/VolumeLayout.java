package io.galleonfs.node.fuse;

import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The seed's layout of a mounted volume, independent of FUSE: {@code data} (the volume's bytes, any offset),
 * {@code README.txt} and {@code .galleonfs_metadata}. Every operation returns a byte count or a negated errno, the
 * contract of FUSE callbacks, so that the adapter stays a thin translation and this class can be tested alone.
 * Thread-safe: FUSE calls it from several threads at once and the volume orders concurrent block I/O itself.
 */
final class VolumeLayout {
    private static final Logger LOG = Logger.getLogger(VolumeLayout.class);
    static final String DATA = "data";
    static final String README = "README.txt";
    static final String METADATA = ".galleonfs_metadata";
    static final List<String> NAMES = List.of(DATA, README, METADATA);

    private static final int O_ACCMODE = 3;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;

    enum Entry { ROOT, DATA, README, METADATA }

    /** What {@code stat} shows. {@code mode} holds the permission bits only. */
    record Attributes(boolean directory, int mode, long size, long modifiedMillis) {
    }

    private final VolumeIo volume;
    private final boolean readOnly;
    private final boolean sync;
    private final Supplier<byte[]> readme;
    private final Supplier<byte[]> metadata;
    private final long mountedAtMillis;
    private final int dataMode;
    private final AtomicLong modifiedMillis;

    VolumeLayout(VolumeIo volume, boolean readOnly, boolean sync, Supplier<byte[]> readme, Supplier<byte[]> metadata,
                 long mountedAtMillis, int dataMode) {
        this.volume = volume;
        this.dataMode = dataMode;
        this.readOnly = readOnly;
        this.sync = sync;
        this.readme = readme;
        this.metadata = metadata;
        this.mountedAtMillis = mountedAtMillis;
        this.modifiedMillis = new AtomicLong(mountedAtMillis);
    }

    VolumeIo volume() {
        return volume;
    }

    boolean readOnly() {
        return readOnly;
    }

    /** The entry at a FUSE path ("/", "/data", ...), or null. */
    static Entry find(String path) {
        return switch (path) {
            case "/" -> Entry.ROOT;
            case "/" + DATA -> Entry.DATA;
            case "/" + README -> Entry.README;
            case "/" + METADATA -> Entry.METADATA;
            default -> null;
        };
    }

    /**
     * The data file has the mount's mode (read-only mounts drop its write bits); the text files are readable by whoever
     * may read the data, and the directory can be entered by them.
     */
    Attributes attributes(Entry e) {
        int data = readOnly ? dataMode & 0444 : dataMode;
        int readable = dataMode & 0444;
        return switch (e) {
            case ROOT -> new Attributes(true, readable | readable >> 2 | (data & 0200), 0, mountedAtMillis);
            case DATA -> new Attributes(false, data, volume.sizeBytes(), modifiedMillis.get());
            case README -> new Attributes(false, readable, readme.get().length, mountedAtMillis);
            case METADATA -> new Attributes(false, readable, metadata.get().length, mountedAtMillis);
        };
    }

    int open(Entry e, int flags) {
        boolean writing = (flags & O_ACCMODE) != 0;
        if (e == Entry.ROOT) {
            return writing ? -Errno.EISDIR : 0;
        }
        if (!writing) {
            return 0;
        }
        if (readOnly) {
            return -Errno.EROFS;
        }
        return e == Entry.DATA ? 0 : -Errno.EACCES;
    }

    int read(Entry e, long offset, ByteBuffer dst) {
        return switch (e) {
            case ROOT -> -Errno.EISDIR;
            case DATA -> readData(offset, dst);
            case README -> readBytes(readme.get(), offset, dst);
            case METADATA -> readBytes(metadata.get(), offset, dst);
        };
    }

    private int readData(long offset, ByteBuffer dst) {
        long size = volume.sizeBytes();
        if (offset < 0) {
            return -Errno.EINVAL;
        }
        if (offset >= size || !dst.hasRemaining()) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), size - offset);
        dst.limit(dst.position() + n);
        try {
            volume.read(offset, dst);
            return n;
        } catch (Exception ex) {
            return failed("read", offset, n, ex);
        }
    }

    private static int readBytes(byte[] content, long offset, ByteBuffer dst) {
        if (offset < 0) {
            return -Errno.EINVAL;
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), content.length - offset);
        dst.put(content, (int) offset, n);
        return n;
    }

    int write(Entry e, long offset, ByteBuffer src) {
        if (e != Entry.DATA) {
            return e == Entry.ROOT ? -Errno.EISDIR : (readOnly ? -Errno.EROFS : -Errno.EACCES);
        }
        if (readOnly) {
            return -Errno.EROFS;
        }
        long size = volume.sizeBytes();
        if (offset < 0) {
            return -Errno.EINVAL;
        }
        if (!src.hasRemaining()) {
            return 0;
        }
        if (offset >= size) {
            // Like a block device: the file cannot grow past the volume.
            return -Errno.ENOSPC;
        }
        int n = (int) Math.min(src.remaining(), size - offset);
        src.limit(src.position() + n);
        try {
            volume.write(offset, src, WriteConcern.ACKNOWLEDGED);
            if (sync) {
                // One flush per request rides a single group commit for all of its blocks.
                volume.flush();
            }
            modifiedMillis.set(System.currentTimeMillis());
            return n;
        } catch (Exception ex) {
            return failed("write", offset, n, ex);
        }
    }

    /**
     * Truncation never discards data: {@code data} has the volume's fixed size, like a block device, so
     * {@code echo … > data} (which opens with O_TRUNC) overwrites the start and keeps the rest.
     */
    int truncate(Entry e, long size) {
        if (e != Entry.DATA) {
            return e == Entry.ROOT ? -Errno.EISDIR : -Errno.EACCES;
        }
        if (readOnly) {
            return -Errno.EROFS;
        }
        return size < 0 ? -Errno.EINVAL : size > volume.sizeBytes() ? -Errno.EFBIG : 0;
    }

    int fsync(Entry e) {
        if (e != Entry.DATA || readOnly) {
            return 0;
        }
        try {
            volume.flush();
            return 0;
        } catch (Exception ex) {
            return failed("flush", 0, 0, ex);
        }
    }

    /** Hole punching and zeroing (discard from a loop device, {@code fallocate -p}) become a trim of the volume. */
    int fallocate(Entry e, int mode, long offset, long length) {
        if (e != Entry.DATA) {
            return -Errno.EOPNOTSUPP;
        }
        if (readOnly) {
            return -Errno.EROFS;
        }
        long size = volume.sizeBytes();
        if (offset < 0 || length <= 0) {
            return -Errno.EINVAL;
        }
        boolean discard = (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0;
        if (!discard) {
            if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
                return -Errno.EOPNOTSUPP;
            }
            // Volumes are thin and fixed-size: allocating inside them is a no-op, past their end impossible.
            return offset + length > size && (mode & FALLOC_FL_KEEP_SIZE) == 0 ? -Errno.EFBIG : 0;
        }
        if (offset >= size) {
            return 0;
        }
        long len = Math.min(length, size - offset);
        try {
            volume.trim(offset, len);
            modifiedMillis.set(System.currentTimeMillis());
            return 0;
        } catch (Exception ex) {
            return failed("trim", offset, len, ex);
        }
    }

    private int failed(String op, long offset, long length, Exception ex) {
        // The application sees EIO, or ENOSPC when the node's storage is full; the cause is in the daemon's log.
        LOG.warnf("volume %s: FUSE %s of %d bytes at %d failed: %s", volume.name(), op, length, offset, ex.getMessage());
        return io.galleonfs.node.volume.OutOfSpace.is(ex) ? -Errno.ENOSPC : -Errno.EIO;
    }
}
