package io.galleonfs.engine.lsm;

import io.galleonfs.engine.NativeIo;
import io.galleonfs.engine.AtomicFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One segment file {@code segment-<id hex16>.log}: a header and records back to back. Only the writer thread
 * appends (to the newest segment); anyone reads with positional reads. {@link #end} is the offset after the last
 * whole record: the append position of the newest segment, the valid length of sealed ones.
 *
 * <p>Readers use their own channel: an interrupted reader closes the channel it reads from (FileChannel is
 * interruptible), which must neither break the writer's channel nor fail other readers, so the read channel is
 * reopened on demand until the segment is closed for good.
 *
 * <p>The head segment (and the next one, prepared ahead) also has native descriptors: appenders pwrite their records
 * in parallel, at places they reserved ({@link LogWriter}), and a run of records (a multi-block write) goes out with
 * its whole 4 KiB blocks on an O_DIRECT descriptor ({@link #putRun}). They are closed when the segment is sealed (all
 * its records applied and fdatasynced).
 */
final class Segment implements AutoCloseable {
    final long id;
    final Path path;
    /** The writer's (and recovery's) channel: appends, fdatasync, truncate, size. */
    final FileChannel channel;
    private volatile FileChannel reader;
    private volatile boolean retired;
    private volatile long end;
    /** Seq of the first record appended to this segment in this run (head and prepared segments only). */
    volatile long firstSeq = Long.MAX_VALUE;
    /** Set once every record of the segment is applied and fdatasynced and its tail truncated; always for old ones. */
    volatile boolean sealed;
    /** O_DIRECT offset, length and memory alignment: 4 KiB covers every device's logical block. */
    static final int ALIGN = 4096;
    /** Native descriptor for appenders' pwrites, -1 when none. */
    private int fd = -1;
    /** O_DIRECT descriptor for the aligned middle of runs, -1 when none or the file system refuses O_DIRECT. */
    private int directFd = -1;

    private Segment(long id, Path path, FileChannel channel, long end) throws IOException {
        this.id = id;
        this.path = path;
        this.channel = channel;
        this.end = end;
        try {
            this.reader = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    static Path pathOf(Path dir, long id) {
        return dir.resolve(String.format("segment-%016x.log", id));
    }

    /** Parses the id of a segment file name, or -1 if {@code name} is not one. */
    static long idOf(String name) {
        if (!name.startsWith("segment-") || !name.endsWith(".log") || name.length() != 8 + 16 + 4) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name.substring(8, 24), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates segment {@code id}: preallocates {@code size} bytes where the file system can (so appends do not
     * allocate blocks and the unwritten tail reads as zeros), writes and fsyncs the header, fsyncs the directory.
     */
    static Segment create(Path dir, long id, int blockSize, long size) throws IOException {
        Path path = pathOf(dir, id);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (!NativeIo.allocate(path, size)) {
                // No fallocate: write the zeros, so appends never need a block the disk may not have (an ENOSPC in
                // the middle of the log would leave a hole there); it also flushes before a run's O_DIRECT write.
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long pos = 0; pos < size; pos += zeros.capacity()) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, pos + zeros.position());
                    }
                }
            }
            ByteBuffer header = LogFormat.segmentHeader(id, blockSize);
            while (header.hasRemaining()) {
                ch.write(header, LogFormat.SEGMENT_HEADER - header.remaining());
            }
            ch.force(true);
            AtomicFiles.fsyncDirectory(dir);
            return new Segment(id, path, ch, LogFormat.SEGMENT_HEADER);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Opens an existing segment; its end is set by recovery or the checkpoint. It is never appended to again. */
    static Segment open(Path dir, long id) throws IOException {
        Path path = pathOf(dir, id);
        Segment s = new Segment(id, path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE),
                LogFormat.SEGMENT_HEADER);
        s.sealed = true;
        return s;
    }

    /** Opens the native descriptor appenders pwrite their records through (head and prepared segments). */
    void openForAppend() throws IOException {
        fd = Pwrite.open(path).fd();
        try {
            Pwrite.Descriptor d = Pwrite.openDirect(path);
            if (d.direct()) {
                directFd = d.fd();
            } else {
                Pwrite.close(d.fd()); // tmpfs and the like: runs go through the buffered descriptor
            }
        } catch (IOException | RuntimeException e) {
            closeForAppend();
            throw e;
        }
    }

    /**
     * Writes a run of records (consecutive, reserved together) at {@code offset}: {@code length} bytes starting at
     * {@code skew = offset % ALIGN} of {@code window}, a 4 KiB-aligned buffer that holds file offset
     * {@code alignDown(offset)} at its position 0. The whole blocks only this run occupies go to the file with one
     * O_DIRECT write (no page cache: the disk takes large direct writes several times faster than the page cache
     * absorbs new pages here); the partial blocks at both ends, which neighbouring records share, with buffered writes of
     * exactly the run's bytes, so no byte of another record is ever written by this run. With {@code buffered} the
     * whole run is one buffered write instead (see {@link RunRouting}).
     */
    void putRun(long offset, MemorySegment window, long length, boolean buffered) throws IOException {
        long skew = offset & (ALIGN - 1);
        long end = offset + length;
        long middleFrom = (offset + ALIGN - 1) & -ALIGN;
        long middleTo = end & -ALIGN;
        if (buffered || directFd < 0 || middleTo <= middleFrom) {
            Pwrite.writeFully(fd, window.asSlice(skew, length), offset);
            return;
        }
        long base = offset - skew;
        if (middleFrom > offset) {
            Pwrite.writeFully(fd, window.asSlice(skew, middleFrom - offset), offset);
        }
        Pwrite.writeFully(directFd, window.asSlice(middleFrom - base, middleTo - middleFrom), middleFrom);
        if (end > middleTo) {
            Pwrite.writeFully(fd, window.asSlice(middleTo - base, end - middleTo), middleTo);
        }
    }

    /** Whether runs use O_DIRECT for their whole blocks (false where the file system refuses it, e.g. tmpfs). */
    boolean direct() {
        return directFd >= 0;
    }

    /** Writes a whole record (native memory) at {@code offset} of the head segment: one pwrite. */
    void put(long offset, MemorySegment record) throws IOException {
        Pwrite.writeFully(fd, record, offset);
    }

    /** Closes the appenders' descriptor (no record goes to this segment any more). */
    synchronized void closeForAppend() {
        if (fd >= 0) {
            Pwrite.close(fd);
            fd = -1;
        }
        if (directFd >= 0) {
            Pwrite.close(directFd);
            directFd = -1;
        }
    }

    long end() {
        return end;
    }

    void end(long end) {
        this.end = end;
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code position}.
     *
     * @throws java.nio.channels.ClosedByInterruptException this thread was interrupted
     * @throws ClosedChannelException the segment was closed (deleted by a checkpoint, or the store closed)
     */
    void readFully(ByteBuffer dst, long position) throws IOException {
        int start = dst.position();
        while (true) {
            FileChannel ch = reader;
            try {
                while (dst.hasRemaining()) {
                    long pos = position + dst.position() - start;
                    if (ch.read(dst, pos) < 0) {
                        throw new IOException("segment " + id + " ends at " + pos);
                    }
                }
                return;
            } catch (java.nio.channels.ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                if (retired) {
                    throw e;
                }
                reopenReader(ch); // another reader was interrupted: its close hit us too
            }
        }
    }

    private synchronized void reopenReader(FileChannel seen) throws IOException {
        if (reader == seen && !retired) {
            reader = FileChannel.open(path, StandardOpenOption.READ);
        }
    }

    /** Gives back the preallocated tail of a sealed segment: its file becomes exactly {@link #end} bytes. */
    void trimToEnd() throws IOException {
        if (channel.size() > end) {
            channel.truncate(end);
            channel.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            retired = true;
        }
        closeForAppend();
        try {
            reader.close();
        } finally {
            channel.close();
        }
    }
}
