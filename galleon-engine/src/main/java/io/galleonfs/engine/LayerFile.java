package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The sparse data file of one layer; block i lives at byte offset i * blockSize.
 *
 * <p>A FileChannel closes itself for every user when any thread is interrupted inside an I/O call.
 * Caller threads (request handlers) can be interrupted, so a closed channel is transparently reopened
 * and the operation retried for everybody except the interrupted thread itself.</p>
 */
final class LayerFile {
    private static final int MAX_REOPENS = 8;

    private final Path path;
    private volatile FileChannel channel;
    private volatile boolean closed;

    LayerFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** Reads exactly {@code dst.remaining()} bytes; bytes beyond the end of the file read as zeros. */
    void read(ByteBuffer dst, long position) throws IOException {
        int start = dst.position();
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = channel(false);
            if (ch == null) {
                zeroFill(dst);
                return;
            }
            try {
                long pos = position;
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, pos);
                    if (n < 0) {
                        zeroFill(dst);
                        break;
                    }
                    pos += n;
                }
                return;
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                dst.position(start);
                reopenAfter(ch, attempt, e);
            }
        }
    }

    void write(ByteBuffer src, long position) throws IOException {
        int start = src.position();
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = channel(true);
            try {
                long pos = position;
                while (src.hasRemaining()) {
                    pos += ch.write(src, pos);
                }
                return;
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                src.position(start);
                reopenAfter(ch, attempt, e);
            }
        }
    }

    /** fdatasync; returns false when there is no file (nothing was ever written). */
    boolean force() throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = channel(false);
            if (ch == null) {
                return false;
            }
            try {
                ch.force(false);
                return true;
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                reopenAfter(ch, attempt, e);
            }
        }
    }

    synchronized void close() throws IOException {
        closed = true;
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    private FileChannel channel(boolean create) throws IOException {
        FileChannel ch = channel;
        if (ch != null && ch.isOpen() && !closed) {
            return ch;
        }
        return openChannel(create);
    }

    private synchronized FileChannel openChannel(boolean create) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        if (!create && !Files.exists(path)) {
            return null;
        }
        boolean existed = Files.exists(path);
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            if (!create) {
                return null;
            }
            throw e;
        }
        if (!existed) {
            // The directory entry must survive a power loss before the journal that refers to it is dropped.
            AtomicFiles.fsyncDirectory(path.getParent());
        }
        return channel;
    }

    private synchronized void reopenAfter(FileChannel failed, int attempt, ClosedChannelException cause)
            throws IOException {
        if (closed || attempt >= MAX_REOPENS) {
            throw cause;
        }
        if (channel == failed) {
            channel = null;
        }
    }

    private static void zeroFill(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }
}
