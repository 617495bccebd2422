package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jboss.logging.Logger;

/**
 * A pre-allocated file that holds part of the node's reserve, {@code <root>/reserve.space}. Admission control keeps
 * GalleonFS's own writes out of the reserve, but another program on the same file system can still fill it; the
 * space this file holds cannot be taken by anybody. At open it is deleted when the device is tight, so journal
 * replay and the checkpoint after it find room even on a device filled to the last block, and it is made again once
 * the device has room for it. It is allocated with fallocate (instant, no data written) and, where the file system
 * cannot do that, written with zero bytes: either way its blocks are really allocated.
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

    /**
     * Gives the reserve back to the file system before replay when the device has less than {@code needed} free
     * (with more, the file stays and is not rewritten).
     */
    void releaseIfTight(long available, long needed) throws IOException {
        if (available >= 0 && available < needed && Files.deleteIfExists(path)) {
            LOG.infof("reserve file released: %d bytes free on the storage device", available);
        }
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
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (NativeIo.allocate(path, size)) {
                ch.force(true);
                return;
            }
            ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
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
