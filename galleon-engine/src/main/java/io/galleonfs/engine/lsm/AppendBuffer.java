package io.galleonfs.engine.lsm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The unwritten end of the head segment, in memory. Appenders copy their records here, at the segment offsets they
 * reserved; the applier writes each completed stretch of records to the file with one pwrite of whole 4 KiB blocks on
 * an O_DIRECT descriptor ({@link #flush}), and only then applies them. Why: buffered appends into fresh page-cache
 * pages were the store's bottleneck (82 % of CPU samples in the kernel, sustained at the page cache's writeback rate,
 * ~0.5 GB/s here), while this disk takes large O_DIRECT writes at 1–2.6 GB/s (BENCHMARKS.md, "Issue 18").
 *
 * <p>A ring of {@code capacity} bytes (a power of two, aligned) over segment offsets: offset {@code o} lives at
 * {@code o & (capacity - 1)}. A flush writes {@code [alignDown(flushed), alignUp(end))}: the block holding the end of
 * the previous flush is written again, with the same bytes for the records it already held (see ARCHITECTURE.md, "Write
 * path", for why that rewrite is crash-safe), and the bytes after {@code end} in the last block are zeros or the first
 * bytes of a record still being copied (a torn record on disk, which the next flush completes). Blocks that will never
 * be written again are zeroed after the flush, so ring space a later record reuses holds zeros, never bytes of a record
 * from one ring turn earlier. A record may be reserved only if it ends within {@code capacity} bytes of
 * {@code alignDown(flushed)} ({@link #fits}).
 *
 * <p>Threads: {@link #put} from appenders (disjoint ranges), {@link #flush} from one applier at a time (under the
 * writer's apply lock). {@link #close} once nothing is copied or flushed any more (the segment is sealed or the store
 * stopped).
 */
final class AppendBuffer implements AutoCloseable {
    /** O_DIRECT wants offsets, lengths and memory aligned to the device's logical block; 4 KiB covers every device. */
    static final int ALIGN = 4096;
    /**
     * {@code -Dgalleon.lsm.direct=false}: write through the page cache instead of O_DIRECT (same aligned writes), for a
     * file system whose O_DIRECT misbehaves and for measuring the difference.
     */
    static final boolean DIRECT = !"false".equals(System.getProperty("galleon.lsm.direct"));
    /**
     * {@code -Dgalleon.lsm.lone-buffered=false}: a lone small write (see {@link #flush}) goes O_DIRECT too.
     */
    static final boolean LONE_BUFFERED = !"false".equals(System.getProperty("galleon.lsm.lone-buffered"));
    /** A lone write of at most this many bytes goes through the page cache (one or two records, not a batch). */
    static final int LONE_MAX = 2 * ALIGN + 512;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final long mask;
    private final int fd;
    private final boolean direct;
    /** A buffered descriptor of the same file for lone writes, -1 when {@link #fd} is buffered itself. */
    private final int bufferedFd;
    /** Offset in the segment up to which every byte was written to the file. */
    private volatile long flushed;
    private boolean closed;

    /**
     * Opens the segment file for O_DIRECT writes (buffered where the file system refuses) and places the segment's
     * header, already in the file, at the start of the ring: the first flush writes block 0 again.
     */
    AppendBuffer(Path file, int capacity, ByteBuffer header) throws IOException {
        if (Integer.bitCount(capacity) != 1 || capacity < 2 * ALIGN) {
            throw new IllegalArgumentException("append buffer capacity " + capacity + " is not a power of two >= 8192");
        }
        this.ring = arena.allocate(capacity, ALIGN); // zeroed
        this.mask = capacity - 1L;
        Pwrite.Descriptor d = null;
        int buffered = -1;
        try {
            d = DIRECT ? Pwrite.openDirect(file) : Pwrite.open(file);
            if (d.direct() && LONE_BUFFERED) {
                buffered = Pwrite.open(file).fd();
            }
        } catch (IOException | RuntimeException e) {
            if (d != null) {
                Pwrite.close(d.fd());
            }
            arena.close();
            throw e;
        }
        this.fd = d.fd();
        this.direct = d.direct();
        this.bufferedFd = buffered;
        MemorySegment.copy(MemorySegment.ofBuffer(header.duplicate()), 0, ring, 0, header.remaining());
        this.flushed = header.remaining();
    }

    /** The ring's size for a segment of {@code segmentBytes}: 8 MiB, less for small segments. */
    static int capacityFor(long segmentBytes, int maxRecord) {
        long want = Math.max(segmentBytes, 4L * (maxRecord + ALIGN));
        return (int) Math.min(8L << 20, Long.highestOneBit(want - 1) << 1); // the power of two >= want, at most 8 MiB
    }

    boolean direct() {
        return direct;
    }

    long flushed() {
        return flushed;
    }

    /** Whether a record ending at {@code end} has room in the ring now (else wait for a flush). */
    boolean fits(long end) {
        return end - alignDown(flushed) <= mask + 1;
    }

    /** Copies {@code record} (its whole size) to segment offset {@code offset}; the caller reserved that range. */
    void put(long offset, MemorySegment record) {
        long size = record.byteSize();
        long at = offset & mask;
        long first = Math.min(size, mask + 1 - at);
        MemorySegment.copy(record, 0, ring, at, first);
        if (first < size) {
            MemorySegment.copy(record, first, ring, 0, size - first);
        }
    }

    /**
     * Writes every byte up to segment offset {@code end} (all records before it are completely copied) to the file, in
     * whole blocks, then zeroes the blocks no later flush writes again. One applier at a time.
     *
     * <p>{@code lone}: no record is reserved after {@code end} (a writer at queue depth 1). Then a small write goes
     * through the page cache, exactly the new bytes: an O_DIRECT write waits for the device (~45 µs here) where a
     * buffered one returns in a few µs, and there is nothing to batch with. The next O_DIRECT write over those blocks
     * makes the kernel write the dirty pages back first; same bytes either way.
     */
    void flush(long end, boolean lone) throws IOException {
        long from = flushed;
        if (end <= from) {
            return;
        }
        long start = alignDown(from);
        if (lone && bufferedFd >= 0 && end - from <= LONE_MAX) {
            write(bufferedFd, from, end);
        } else {
            write(fd, start, alignUp(end));
        }
        zero(start, alignDown(end));
        flushed = end;
    }

    private void write(int to, long from, long end) throws IOException {
        long at = from & mask;
        long first = Math.min(end - from, mask + 1 - at);
        Pwrite.writeFully(to, ring.asSlice(at, first), from);
        if (first < end - from) {
            Pwrite.writeFully(to, ring.asSlice(0, end - from - first), from + first);
        }
    }

    private void zero(long from, long to) {
        if (to <= from) {
            return;
        }
        long at = from & mask;
        long first = Math.min(to - from, mask + 1 - at);
        ring.asSlice(at, first).fill((byte) 0);
        if (first < to - from) {
            ring.asSlice(0, to - from - first).fill((byte) 0);
        }
    }

    static long alignDown(long offset) {
        return offset & -ALIGN;
    }

    static long alignUp(long offset) {
        return (offset + ALIGN - 1) & -ALIGN;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Pwrite.close(fd);
            if (bufferedFd >= 0) {
                Pwrite.close(bufferedFd);
            }
            arena.close();
        }
    }
}
