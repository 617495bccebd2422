package io.galleonfs.engine.lsm;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Log-structured block store (issue 18, phase 1; not yet the node's engine): every block write is appended once,
 * to a segment file that is the journal, and found again through the in-memory {@link ExtentIndex}. Thread-safe:
 * any number of threads write, trim and read; one writer thread appends (group commit), one checkpoint thread
 * persists the index. See docs/ARCHITECTURE.md, "Log-structured store".
 *
 * <p>Blocks are addressed by (volume id, block number); a block number is below 2^31 - 1. The store keeps no volume
 * metadata (sizes, names): the caller does, as BlockEngine does for today's layers.
 */
public final class LogStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LogStore.class);
    private static final String LOCK_FILE = "store.lock";
    /** Relocations the cleaner keeps in flight: bounds its buffers to a few MiB. */
    private static final int CLEAN_WINDOW = 256;

    private final LogStoreConfig config;
    private final int blockSize;
    private final ExtentIndex index;
    private final Map<Long, Segment> segments;
    private final LogWriter writer;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final long replayedRecords;
    private final Object cleanLock = new Object();
    private volatile boolean closed;
    /** Test seam: runs after a cleaner pass appended its relocations, before the checkpoint that deletes victims. */
    private volatile Runnable beforeCleanCheckpoint = () -> { };

    private LogStore(LogStoreConfig config, ExtentIndex index, Map<Long, Segment> segments, LogWriter writer,
                     FileChannel lockChannel, FileLock lock, long replayedRecords) {
        this.config = config;
        this.blockSize = config.blockSize();
        this.index = index;
        this.segments = segments;
        this.writer = writer;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.replayedRecords = replayedRecords;
    }

    /** Opens (creating if needed) the store at {@code config.root()} and recovers it. */
    public static LogStore open(LogStoreConfig config) throws IOException {
        Path root = config.root();
        Files.createDirectories(root);
        FileChannel lockChannel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // held by another LogStore of this JVM
        } catch (IOException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new EngineException("log store " + root + " is in use by another process or store");
        }
        Map<Long, Segment> segments = new ConcurrentHashMap<>();
        try {
            Files.deleteIfExists(root.resolve(Checkpoint.FILE + ".tmp"));
            ExtentIndex index = new ExtentIndex(config.blockSize());
            LogRecovery.Result recovered = new LogRecovery(config, index, segments).recover();
            Segment head = Segment.create(root, recovered.lastSegmentId() + 1, config.blockSize(),
                    config.segmentBytes());
            segments.put(head.id, head);
            LogWriter writer = new LogWriter(config, index, segments, head, recovered.nextSeq());
            writer.start();
            return new LogStore(config, index, segments, writer, lockChannel, lock, recovered.replayedRecords());
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments.values()) {
                s.close();
            }
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    public int blockSize() {
        return blockSize;
    }

    /**
     * Stores one block (exactly {@link #blockSize()} remaining bytes of {@code data}, not consumed). Returns once
     * readers see it; with {@link WriteConcern#DURABLE}, once its record is fdatasynced.
     */
    public void write(UUID volume, long block, ByteBuffer data, WriteConcern concern) throws IOException {
        checkBlock(block);
        if (data.remaining() != blockSize) {
            throw new IllegalArgumentException("a write is one block of " + blockSize + " bytes, got "
                    + data.remaining());
        }
        // CRC on the caller's thread: the writer thread only copies. The writer reads the caller's buffer, which
        // stays untouched because this method waits (uninterruptibly) until the record was appended.
        int crc = LogFormat.crc(data);
        append(new LogOp.Append(LogFormat.WRITE, volume, block, 0, crc, data.duplicate(),
                concern == WriteConcern.DURABLE, new CompletableFuture<>()));
    }

    /** Makes blocks [first, first + count) read as zeros and frees their space (once the cleaner ran). */
    public void trim(UUID volume, long first, long count, WriteConcern concern) throws IOException {
        if (count <= 0) {
            return;
        }
        checkBlock(first);
        checkBlock(first + count - 1);
        append(new LogOp.Append(LogFormat.TRIM, volume, first, count, 0, null, concern == WriteConcern.DURABLE,
                new CompletableFuture<>()));
    }

    /** Forgets every block of a volume. */
    public void dropVolume(UUID volume, WriteConcern concern) throws IOException {
        append(new LogOp.Append(LogFormat.DROP, volume, 0, 0, 0, null, concern == WriteConcern.DURABLE,
                new CompletableFuture<>()));
    }

    /**
     * Reads one block into {@code dst} (at least {@link #blockSize()} remaining; advances its position). Unwritten
     * and trimmed blocks read as zeros. The bytes are checked against the block's CRC32C on every read.
     *
     * @throws ChecksumMismatchException the stored bytes do not match their checksum (they are not returned)
     */
    public void read(UUID volume, long block, ByteBuffer dst) throws IOException {
        checkBlock(block);
        if (dst.remaining() < blockSize) {
            throw new IllegalArgumentException("a read needs room for one block of " + blockSize + " bytes");
        }
        ensureOpen();
        int start = dst.position();
        while (true) {
            ExtentIndex.Extent extent = index.lookup(volume, (int) block);
            if (extent == null) {
                for (int i = 0; i < blockSize; i++) {
                    dst.put(start + i, (byte) 0);
                }
                dst.position(start + blockSize);
                return;
            }
            ByteBuffer view = dst.duplicate().limit(start + blockSize).position(start);
            Segment segment = segments.get(LogFormat.segmentOf(extent.location()));
            try {
                if (segment == null) {
                    throw new ClosedChannelException();
                }
                segment.readFully(view, LogFormat.offsetOf(extent.location()) + LogFormat.RECORD_HEADER);
            } catch (ClosedByInterruptException e) {
                throw new InterruptedIOException("interrupted while reading block " + block);
            } catch (ClosedChannelException e) {
                // The cleaner moved the block and a checkpoint deleted its old segment after our lookup.
                if (extent.equals(index.lookup(volume, (int) block))) {
                    ensureOpen();
                    throw new EngineException("segment of volume " + volume + " block " + block + " is gone", e);
                }
                continue;
            }
            if (LogFormat.crc(dst, start, blockSize) != extent.crc()) {
                if (extent.equals(index.lookup(volume, (int) block))) {
                    throw new ChecksumMismatchException(volume, block);
                }
                continue; // rewritten or relocated while we read: look up again
            }
            dst.position(start + blockSize);
            return;
        }
    }

    /** Persists the index now; returns once the checkpoint file is durable and unneeded segments are deleted. */
    public void checkpoint() throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        writer.submit(new LogOp.CheckpointRequest(done));
        await(done);
    }

    /**
     * One synchronous cleaner pass: every sealed segment whose live bytes are at most {@code maxLiveFraction} of its
     * records has its live blocks appended again (as RELOCATE records that lose to any newer write or trim), then a
     * checkpoint deletes the segments that no longer hold a referenced block. Crash-safe at every step: a segment
     * is deleted only after a durable checkpoint that no longer references it.
     */
    public CleanResult clean(double maxLiveFraction) throws IOException {
        if (!(maxLiveFraction > 0 && maxLiveFraction <= 1)) {
            throw new IllegalArgumentException("live fraction must be in (0, 1]: " + maxLiveFraction);
        }
        synchronized (cleanLock) {
            long head = writer.currentSegmentId();
            Map<Long, Long> live = index.liveBytesBySegment();
            Set<Long> victims = new HashSet<>();
            for (Segment s : segments.values()) {
                long records = s.end() - LogFormat.SEGMENT_HEADER;
                if (s.id < head && live.getOrDefault(s.id, 0L) <= maxLiveFraction * records) {
                    victims.add(s.id);
                }
            }
            long moved = 0;
            List<CompletableFuture<Boolean>> window = new ArrayList<>(CLEAN_WINDOW);
            for (ExtentIndex.Entry e : index.entriesIn(victims)) {
                ByteBuffer data = readStored(e);
                if (data == null) {
                    continue; // overwritten and its segment deleted meanwhile: nothing to move
                }
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                writer.submit(new LogOp.Append(LogFormat.RELOCATE, e.volume(), e.block(), e.location(), e.crc(), data,
                        false, done));
                window.add(done);
                if (window.size() == CLEAN_WINDOW) {
                    moved += awaitMoves(window);
                }
            }
            moved += awaitMoves(window);
            Map<Long, Long> victimSizes = new java.util.HashMap<>();
            for (long id : victims) {
                Segment s = segments.get(id);
                if (s != null) {
                    victimSizes.put(id, s.channel.size());
                }
            }
            beforeCleanCheckpoint.run();
            checkpoint();
            int deleted = 0;
            long freed = 0;
            for (Map.Entry<Long, Long> v : victimSizes.entrySet()) {
                if (!segments.containsKey(v.getKey())) {
                    deleted++;
                    freed += v.getValue();
                }
            }
            return new CleanResult(victims.size(), moved, deleted, freed);
        }
    }

    /** The stored bytes of a block the cleaner moves, verbatim (a corrupt block stays detectably corrupt). */
    private ByteBuffer readStored(ExtentIndex.Entry e) throws IOException {
        Segment segment = segments.get(LogFormat.segmentOf(e.location()));
        ByteBuffer data = ByteBuffer.allocate(blockSize);
        try {
            if (segment == null) {
                return null;
            }
            segment.readFully(data, LogFormat.offsetOf(e.location()) + LogFormat.RECORD_HEADER);
        } catch (ClosedByInterruptException ex) {
            throw new InterruptedIOException("cleaner interrupted");
        } catch (ClosedChannelException ex) {
            return null;
        }
        data.flip();
        if (LogFormat.crc(data) != e.crc()) {
            LOG.warnf("cleaner: volume %s block %d fails its checksum; moving it as it is", e.volume(), e.block());
        }
        return data;
    }

    private static long awaitMoves(List<CompletableFuture<Boolean>> window) throws IOException {
        long moved = 0;
        for (CompletableFuture<Boolean> f : window) {
            if (await(f)) {
                moved++;
            }
        }
        window.clear();
        return moved;
    }

    public LogStoreStats stats() throws IOException {
        long segmentBytes = 0;
        int count = 0;
        for (Segment s : segments.values()) {
            try {
                segmentBytes += s.channel.size();
                count++;
            } catch (ClosedChannelException e) {
                // deleted by a checkpoint while we summed
            }
        }
        return new LogStoreStats(writer.records.get(), writer.durableRecords.get(), writer.batches.get(),
                writer.fsyncs.get(), writer.checkpoints.get(), replayedRecords, count, segmentBytes,
                index.totalLiveBytes(), index.mappedBlocks(), index.heapBytes());
    }

    /** Checkpoints, stops the writer and releases the store. */
    @Override
    public void close() throws IOException {
        stop(true);
    }

    /**
     * Test hook standing in for kill -9: stops the writer without a checkpoint and closes the files, leaving the
     * directory exactly as a crashed process would (appended records stay in the page cache / on disk).
     */
    void crash() throws IOException {
        stop(false);
    }

    private void stop(boolean checkpoint) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        IOException failure = null;
        try {
            writer.submit(new LogOp.Stop(checkpoint, done));
            writer.join();
            await(done);
        } catch (IOException e) {
            failure = e; // the writer already failed; close the files anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new InterruptedIOException("interrupted while closing the log store");
        }
        for (Segment s : segments.values()) {
            s.close();
        }
        lock.release();
        lockChannel.close();
        if (failure != null) {
            throw failure;
        }
    }

    void beforeCleanCheckpoint(Runnable hook) {
        this.beforeCleanCheckpoint = hook;
    }

    /** Where a block's record is (tests). */
    long locationOf(UUID volume, long block) {
        ExtentIndex.Extent e = index.lookup(volume, (int) block);
        return e == null ? BlockMap.ABSENT : e.location();
    }

    Path segmentPath(long segmentId) {
        return Segment.pathOf(config.root(), segmentId);
    }

    private void append(LogOp.Append op) throws IOException {
        ensureOpen();
        writer.submit(op);
        await(op.done());
    }

    private void ensureOpen() throws EngineException {
        if (closed) {
            throw new EngineException("log store " + config.root() + " is closed");
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new EngineException("log store operation failed", cause);
        }
    }

    private static void checkBlock(long block) throws OutOfRangeException {
        if (block < 0 || block >= Integer.MAX_VALUE) {
            throw new OutOfRangeException("block " + block + " is outside 0.." + (Integer.MAX_VALUE - 1));
        }
    }
}
