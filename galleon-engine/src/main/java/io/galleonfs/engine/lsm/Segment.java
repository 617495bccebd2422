package io.galleonfs.engine.lsm;

import io.galleonfs.engine.NativeIo;
import io.galleonfs.engine.AtomicFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * <p>The head segment (and the next one, prepared ahead) is also mapped read-write: writers copy their records into
 * the mapping in parallel, at places they reserved ({@link LogWriter}). The mapping is closed when the segment is
 * sealed (all its records applied and fdatasynced), before its unused tail is truncated away.
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
    private Arena arena;
    private MemorySegment map;

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
                // No fallocate: write the zeros, so the mapped appends never need a block the disk may not have
                // (a write fault on a full disk would be a SIGBUS, not an IOException).
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

    /**
     * Maps the segment's first {@code size} bytes read-write for appends. {@code prefault}: touch every page now (on the
     * thread preparing the segment), so the writers' copies do not take the page-cache allocation faults.
     */
    void mapForAppend(long size, Prefault prefault) throws IOException {
        Arena a = Arena.ofShared();
        try {
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, a);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        arena = a;
        switch (prefault) {
            case NONE -> { }
            case READ -> map.load();
            case WRITE -> {
                for (long p = LogFormat.SEGMENT_HEADER; p < size; p += 4096) {
                    map.set(ValueLayout.JAVA_BYTE, p, (byte) 0); // past the header: the rest reads as zeros anyway
                }
            }
        }
    }

    /** How a prepared segment's pages are touched before writers copy into them. */
    enum Prefault { NONE, READ, WRITE }

    /** A little-endian view of [offset, offset + length) of the append mapping. */
    ByteBuffer appendView(long offset, int length) {
        return map.asSlice(offset, length).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Closes the append mapping (no writer copies into it any more). */
    synchronized void unmap() {
        if (arena != null) {
            arena.close();
            arena = null;
            map = null;
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
        unmap();
        try {
            reader.close();
        } finally {
            channel.close();
        }
    }
}
