package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jboss.logging.Logger;

/**
 * A file of real zero bytes that holds part of the node's reserve, {@code <root>/reserve.space}. Admission
 * control keeps GalleonFS's own writes out of the reserve, but another program on the same file system can still
 * fill it; the space this file holds cannot be taken by anybody. It is deleted at open, so journal replay and the
 * checkpoint after it always find room even on a device that was filled to the last block, and written again once
 * the device has room for it. Zero bytes are written rather than fallocated: a written block is allocated on every
 * file system, an fallocated range is not everywhere (e.g. tmpfs quotas, some FUSE file systems).
 */
final class ReserveFile {
    static final String NAME = "reserve.space";
    private static final Logger LOG = Logger.getLogger(ReserveFile.class);
    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final long size;
    private boolean warned;

    ReserveFile(Path root, long size) {
        this.path = root.resolve(NAME);
        this.size = size;
    }

    /** Gives the reserve back to the file system (at open, before replay). */
    void release() throws IOException {
        Files.deleteIfExists(path);
    }

    /**
     * Writes the file when the device has room for it and as much again; returns the bytes it holds (0 when it
     * could not be made yet: it is tried again after every delete).
     */
    synchronized long restore(long available) {
        if (size == 0) {
            return 0;
        }
        try {
            if (Files.exists(path) && Files.size(path) == size) {
                return size;
            }
            if (available >= 0 && available < 2 * size) {
                if (!warned) {
                    warned = true;
                    LOG.warnf("reserve file %s not written: %d bytes free, it needs %d and as much again; "
                            + "it is written once space is freed", path, available, size);
                }
                return 0;
            }
            write();
            warned = false;
            return size;
        } catch (IOException e) {
            LOG.warnf("reserve file %s could not be written (%s); it is tried again once space is freed", path, e.getMessage());
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // Nothing more to do: the next attempt deletes it again.
            }
            return 0;
        }
    }

    private void write() throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            while (pos < size) {
                zeros.clear().limit((int) Math.min(CHUNK, size - pos));
                while (zeros.hasRemaining()) {
                    pos += ch.write(zeros, pos);
                }
            }
            ch.force(true);
        }
    }
}
