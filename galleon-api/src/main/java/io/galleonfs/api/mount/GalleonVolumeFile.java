package io.galleonfs.api.mount;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A mounted volume's bytes (its {@code data} file) with a position, as in the seed's {@code GalleonVolumeFile}:
 * read, write, seek. Reads past the end return -1; the volume's size is fixed, so writes past the end fail.
 * {@link #flush()} makes written data durable. Not thread-safe (it has one position); open one per thread.
 */
public final class GalleonVolumeFile implements Closeable {
    private final FileChannel channel;
    private final boolean writable;

    private GalleonVolumeFile(FileChannel channel, boolean writable) {
        this.channel = channel;
        this.writable = writable;
    }

    /** Opens {@code <mountPath>/data}. */
    public static GalleonVolumeFile open(Path mountPath, boolean writable) throws IOException {
        Path data = mountPath.resolve("data");
        FileChannel ch = writable ? FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(data, StandardOpenOption.READ);
        return new GalleonVolumeFile(ch, writable);
    }

    /** Reads up to {@code buffer.length} bytes at the position; returns how many, or -1 at the end of the volume. */
    public int read(byte[] buffer) throws IOException {
        return read(ByteBuffer.wrap(buffer));
    }

    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    /** Writes all of {@code data} at the position and advances it. */
    public void write(byte[] data) throws IOException {
        write(ByteBuffer.wrap(data));
    }

    public void write(ByteBuffer src) throws IOException {
        if (!writable) {
            throw new IOException("the volume is mounted read-only");
        }
        long end = channel.position() + src.remaining();
        if (end > size()) {
            throw new IOException("write of " + src.remaining() + " bytes at " + channel.position()
                    + " goes past the end of the volume (" + size() + " bytes)");
        }
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }

    /** Moves the position; returns it. */
    public long seek(long position) throws IOException {
        if (position < 0) {
            throw new IOException("negative position " + position);
        }
        channel.position(position);
        return position;
    }

    public long position() throws IOException {
        return channel.position();
    }

    /** The volume's size in bytes. */
    public long size() throws IOException {
        return channel.size();
    }

    /** Makes everything written so far durable (fsync of the data file becomes a durable flush of the volume). */
    public void flush() throws IOException {
        if (writable) {
            channel.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
