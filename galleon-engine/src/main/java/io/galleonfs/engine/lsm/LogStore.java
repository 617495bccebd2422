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
import io.galleonfs.engine.NoSuchSnapshotException;
import io.galleonfs.engine.SnapshotExistsException;
import io.galleonfs.engine.VerifyReport;
import java.nio.charset.StandardCharsets;
import org.jboss.logging.Logger;
import org.roaringbitmap.RoaringBitmap;

/**
 * Log-structured block store (issue 18; not yet the node's engine): every block write is appended once, to a
 * segment file that is the journal, and found again through the in-memory {@link ExtentIndex}. Snapshots, restores
 * and clones are index versions ({@link VolumeVersions}): log records too, so recovery replays them. Thread-safe:
 * any number of threads write, trim and read; writers append their records on their own threads ({@link LogWriter}:
 * in-order apply, group fdatasync on a sync thread), one checkpoint thread
 * persists the index. See docs/ARCHITECTURE.md, "Log-structured store".
 *
 * <p>Blocks are addressed by (volume id, block number); a block number is below 2^31 - 1. The store keeps no volume
 * metadata (sizes): the caller does ({@code LogEngine}).
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

    /** Test seam: how the next runs choose between the page cache and O_DIRECT. */
    void runRouting(RunRouting routing) {
        writer.runRouting(routing);
    }

    /** Test seam: how the writer creates its next segments (a full disk). */
    void segmentFactory(LogWriter.SegmentFactory factory) {
        writer.segmentFactory(factory);
    }

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
            Files.deleteIfExists(root.resolve(Epoch.FILE + ".tmp"));
            ExtentIndex index = new ExtentIndex(config.blockSize());
            LogRecovery.Result recovered = new LogRecovery(config, index, segments).recover();
            Segment head = Segment.create(root, recovered.lastSegmentId() + 1, config.blockSize(),
                    config.segmentBytes());
            segments.put(head.id, head);
            long epoch = Epoch.next(root);
            LogWriter writer = new LogWriter(config, index, segments, head, recovered.nextSeq(), epoch);
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
        // CRC, copy into the segment and (usually) the index update all run on the caller's thread.
        ensureOpen();
        writer.append(LogFormat.WRITE, volume, block, 0, LogFormat.crc(data), data.duplicate(),
                concern == WriteConcern.DURABLE);
    }

    /** Makes blocks [first, first + count) read as zeros and frees their space (once the cleaner ran). */
    public void trim(UUID volume, long first, long count, WriteConcern concern) throws IOException {
        if (count <= 0) {
            return;
        }
        checkBlock(first);
        checkBlock(first + count - 1);
        append(LogFormat.TRIM, volume, first, count, null, concern);
    }

    /** Forgets every block of a volume. */
    public void dropVolume(UUID volume, WriteConcern concern) throws IOException {
        append(LogFormat.DROP, volume, 0, 0, null, concern);
    }

    /**
     * Reads one block into {@code dst} (at least {@link #blockSize()} remaining; advances its position). Unwritten
     * and trimmed blocks read as zeros. The bytes are checked against the block's CRC32C on every read.
     *
     * @throws ChecksumMismatchException the stored bytes do not match their checksum (they are not returned)
     */
    public void read(UUID volume, long block, ByteBuffer dst) throws IOException {
        checkBlock(block);
        readResolved(volume, block, dst, false, () -> index.lookup(volume, (int) block));
    }

    /**
     * Reads the sealed payload of one block of an encrypted volume (snapshot {@code name}, or live when null) into
     * {@code dst}: {@link #sealedBytes()} bytes (nonce, GCM tag, ciphertext), the ciphertext checked against its CRC32C.
     * A block that reads as zeros leaves zeros (nonce 0: the caller returns zeros without decrypting).
     */
    public void readSealed(UUID volume, String name, long block, ByteBuffer dst) throws IOException {
        readSealedVersion(volume, name, block, dst);
    }

    /**
     * Like {@link #readSealed}, returning the location of the record it read ({@link BlockMap#ABSENT} for zeros): the
     * version a cache of decrypted blocks keys the plaintext by, since a location is never rewritten or reused.
     */
    long readSealedVersion(UUID volume, String name, long block, ByteBuffer dst) throws IOException {
        checkBlock(block);
        return readResolved(volume, block, dst, true,
                name == null ? () -> index.lookup(volume, (int) block) : () -> index.lookup(volume, name, (int) block));
    }


    /** Bytes of a sealed payload: nonce, tag, ciphertext. */
    public int sealedBytes() {
        return LogFormat.SEALED_PREFIX + blockSize;
    }

    /**
     * Reads one block of snapshot {@code name} of {@code volume}, like {@link #read}.
     *
     * @throws io.galleonfs.engine.NoSuchSnapshotException the volume has no such snapshot
     */
    public void readSnapshot(UUID volume, String name, long block, ByteBuffer dst) throws IOException {
        checkBlock(block);
        readResolved(volume, block, dst, false, () -> index.lookup(volume, name, (int) block));
    }

    /** Bytes one run read ({@link #readBlocks}, {@link #readSnapshotBlocks}) covers at most: ~63 blocks of 4 KiB. */
    static final int RUN_READ_BYTES = 256 << 10;
    /**
     * Where the records of one run are read with one pread, then checked and copied out block by block. Pooled, not per
     * thread: live reads run on the node's virtual threads too, and a thread-local direct buffer per virtual thread
     * would be one allocation per request.
     */
    private final RunBuffers runReads = new RunBuffers(RUN_READ_BYTES, 8);

    /**
     * Reads {@code count} live plain blocks from {@code firstBlock} into {@code dst} (at least {@code count} blocks
     * remaining; advanced by them), like {@code count} calls of {@link #read}, but blocks whose records lie back to back
     * in one segment (written by one multi-block write, or sequentially) are read with one pread per run of up to
     * {@link #RUN_READ_BYTES}. An export of a 2 GiB volume made 524,288 preads of 4 KiB, and the syscalls, not the bytes,
     * were most of its CPU. Each block is looked up and checked against its CRC32C as {@link #read} does; a block
     * written concurrently reads as before or after that write, as one read alone would. Not for encrypted volumes.
     */
    public void readBlocks(UUID volume, long firstBlock, int count, ByteBuffer dst) throws IOException {
        readRuns(volume, null, firstBlock, count, dst, false, null);
    }

    /**
     * Like {@link #readBlocks}, from snapshot {@code name}: a backup's or an export's scan. A full backup read a 2 GiB
     * volume with 524,288 preads of 4 KiB; the syscalls, not the bytes, were most of the backup workers' kernel time.
     */
    public void readSnapshotBlocks(UUID volume, String name, long firstBlock, int count, ByteBuffer dst)
            throws IOException {
        readRuns(volume, java.util.Objects.requireNonNull(name, "name"), firstBlock, count, dst, false, null);
    }

    /**
     * The sealed payloads ({@link #sealedBytes()} each: nonce, tag, ciphertext) of {@code count} blocks of an encrypted
     * volume, snapshot {@code name} or live when null, read by runs like {@link #readBlocks}: {@code dst} gets them back
     * to back, each ciphertext checked against its CRC32C, and {@code versions[i]} the location of block i's record
     * ({@link BlockMap#ABSENT} when it reads as zeros: its payload is all zeros, nonce 0), the version a cache of
     * decrypted blocks keys it by.
     */
    public void readSealedBlocks(UUID volume, String name, long firstBlock, int count, ByteBuffer dst, long[] versions)
            throws IOException {
        if (versions.length < count) {
            throw new IllegalArgumentException("room for " + versions.length + " versions, " + count + " blocks");
        }
        readRuns(volume, name, firstBlock, count, dst, true, versions);
    }

    /**
     * Reads whole plain blocks of snapshot {@code name} (null: live) by runs of back-to-back records. A run that cannot
     * be used as read (CRC mismatch: the block was rewritten or relocated since the lookup; its segment retired) is read
     * again block by block through {@link #read} or {@link #readSnapshot}, which look up again.
     */
    private void readRuns(UUID volume, String name, long firstBlock, int count, ByteBuffer dst, boolean sealed,
                          long[] versions) throws IOException {
        if (count <= 0) {
            return;
        }
        checkBlock(firstBlock);
        checkBlock(firstBlock + count - 1);
        int payload = sealed ? LogFormat.SEALED_PREFIX + blockSize : blockSize;
        if (dst.remaining() < (long) count * payload) {
            throw new IllegalArgumentException("a read of " + count + " blocks needs room for " + (long) count * payload
                    + " bytes");
        }
        ensureOpen();
        int recordLength = sealed ? LogFormat.sealedRecordLength(blockSize) : LogFormat.dataRecordLength(blockSize);
        int maxRun = Math.max(1, RUN_READ_BYTES / recordLength);
        long[] locations = new long[Math.min(count, maxRun)];
        int[] crcs = new int[locations.length];
        int done = 0;
        while (done < count) {
            // One run: blocks from `done` whose records follow each other in one segment (or a single absent block).
            int n = 0;
            ExtentIndex.Extent first = lookup(volume, name, firstBlock + done);
            if (first == null) {
                int start = dst.position();
                for (int i = 0; i < payload; i++) {
                    dst.put(start + i, (byte) 0);
                }
                dst.position(start + payload);
                if (versions != null) {
                    versions[done] = BlockMap.ABSENT;
                }
                done++;
                continue;
            }
            locations[0] = first.location();
            crcs[0] = first.crc();
            n = 1;
            while (n < locations.length && done + n < count) {
                ExtentIndex.Extent next = lookup(volume, name, firstBlock + done + n);
                if (next == null || next.location() != locations[n - 1] + recordLength
                        || LogFormat.segmentOf(next.location()) != LogFormat.segmentOf(locations[0])) {
                    break;
                }
                locations[n] = next.location();
                crcs[n] = next.crc();
                n++;
            }
            if (n > 1 && readRun(locations, crcs, n, recordLength, sealed ? LogFormat.SEALED_PREFIX : 0, payload, dst)) {
                if (versions != null) {
                    System.arraycopy(locations, 0, versions, done, n);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    long block = firstBlock + done + i;
                    if (sealed) {
                        versions[done + i] = readSealedVersion(volume, name, block, dst);
                    } else if (name == null) {
                        read(volume, block, dst);
                    } else {
                        readSnapshot(volume, name, block, dst);
                    }
                }
            }
            done += n;
        }
    }

    private ExtentIndex.Extent lookup(UUID volume, String name, long block) throws IOException {
        return name == null ? index.lookup(volume, (int) block) : index.lookup(volume, name, (int) block);
    }

    /**
     * One pread of {@code n} back-to-back records; copies their payloads ({@code payload} bytes after each header, the
     * CRC32C covering a block's bytes from {@code crcFrom} within it) into {@code dst}. False (dst untouched) if any block
     * fails its CRC.
     */
    private boolean readRun(long[] locations, int[] crcs, int n, int recordLength, int crcFrom, int payload,
                            ByteBuffer dst) throws IOException {
        Segment segment = segments.get(LogFormat.segmentOf(locations[0]));
        if (segment == null) {
            return false;
        }
        ByteBuffer run = runReads.take();
        try {
            run.clear().limit(n * recordLength);
            try {
                segment.readFully(run, LogFormat.offsetOf(locations[0]));
            } catch (ClosedByInterruptException e) {
                throw new InterruptedIOException("interrupted while reading a run of " + n + " blocks");
            } catch (ClosedChannelException e) {
                return false; // retired after the lookups: the block-by-block path looks up again
            } catch (IOException e) {
                return false; // e.g. a short segment: the block-by-block path reports it for the block concerned
            }
            for (int i = 0; i < n; i++) {
                if (LogFormat.crc(run, i * recordLength + LogFormat.RECORD_HEADER + crcFrom, blockSize) != crcs[i]) {
                    return false;
                }
            }
            for (int i = 0; i < n; i++) {
                int from = i * recordLength + LogFormat.RECORD_HEADER;
                dst.put(run.slice(from, payload));
            }
            return true;
        } finally {
            runReads.give(run);
        }
    }

    @FunctionalInterface
    private interface Lookup {
        ExtentIndex.Extent get() throws IOException;
    }

    /** Returns the location of the record read, or {@link BlockMap#ABSENT} when the block reads as zeros. */
    private long readResolved(UUID volume, long block, ByteBuffer dst, boolean sealed, Lookup lookup)
            throws IOException {
        int length = sealed ? LogFormat.SEALED_PREFIX + blockSize : blockSize;
        int crcFrom = sealed ? LogFormat.SEALED_PREFIX : 0;
        if (dst.remaining() < length) {
            throw new IllegalArgumentException("a read needs room for " + length + " bytes");
        }
        ensureOpen();
        int start = dst.position();
        while (true) {
            ExtentIndex.Extent extent = lookup.get();
            if (extent == null) {
                for (int i = 0; i < length; i++) {
                    dst.put(start + i, (byte) 0);
                }
                dst.position(start + length);
                return BlockMap.ABSENT;
            }
            ByteBuffer view = dst.duplicate().limit(start + length).position(start);
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
                if (extent.equals(lookup.get())) {
                    ensureOpen();
                    throw new EngineException("segment of volume " + volume + " block " + block + " is gone", e);
                }
                continue;
            }
            if (LogFormat.crc(dst, start + crcFrom, blockSize) != extent.crc()) {
                if (extent.equals(lookup.get())) {
                    throw new ChecksumMismatchException(volume, block);
                }
                continue; // rewritten or relocated while we read: look up again
            }
            dst.position(start + length);
            return extent.location();
        }
    }

    /**
     * Stores consecutive blocks from {@code firstBlock} ({@code data.remaining()} a multiple of the block size, not
     * consumed): one record per block, queued together so they share group commits. Returns like {@link #write}.
     */
    public void writeBlocks(UUID volume, long firstBlock, ByteBuffer data, WriteConcern concern) throws IOException {
        writeBlocks(volume, firstBlock, data, concern, null);
    }

    /**
     * Like {@link #writeBlocks(UUID, long, ByteBuffer, WriteConcern)}, sealing each block with {@code sealer} (null:
     * plain) on the writer thread, where its nonce is known.
     */
    public void writeBlocks(UUID volume, long firstBlock, ByteBuffer data, WriteConcern concern, BlockSealer sealer)
            throws IOException {
        writeBlocks(volume, firstBlock, data, concern, sealer, RUN_MIN_BLOCKS);
    }

    /**
     * From this many blocks on (128 KiB of 4 KiB blocks), a multi-block write goes out as runs of records whose whole
     * 4 KiB blocks are written with O_DIRECT ({@code LogWriter.issueRun}, or through the page cache as its routing
     * says); shorter ones as one run through the page cache (one buffered pwrite for all their records): one O_DIRECT
     * stream beats buffered appends on this disk only from ~128 KiB per write (BENCHMARKS.md, "Issue 18"), and a
     * database's 8–16 KiB page written one record per pwrite paid a system call, a reservation and a wait per block
     * (BENCHMARKS.md, "Replica writes applied together; short writes as one append").
     */
    static final int RUN_MIN_BLOCKS = 32;

    /** {@link #writeBlocks(UUID, long, ByteBuffer, WriteConcern, BlockSealer)} with the run threshold given (tests). */
    void writeBlocks(UUID volume, long firstBlock, ByteBuffer data, WriteConcern concern, BlockSealer sealer,
                     int runMinBlocks) throws IOException {
        if (data.remaining() % blockSize != 0) {
            throw new IllegalArgumentException("a write is whole blocks of " + blockSize + " bytes, got "
                    + data.remaining());
        }
        int count = data.remaining() / blockSize;
        if (count == 0) {
            return;
        }
        checkBlock(firstBlock);
        checkBlock(firstBlock + count - 1);
        ensureOpen();
        // Every block is reserved, sealed if need be, copied and published on this thread; one wait for the last.
        LogWriter.Pending last = null;
        IOException failure = null;
        int blocks = count;
        if (count > 1) {
            // Runs of records, their whole blocks written with O_DIRECT or through the page cache (LogWriter.issueRun).
            try {
                last = writer.issueRun(volume, firstBlock, data, count, sealer, count < runMinBlocks);
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new EngineException("write of blocks " + firstBlock + ".." + (firstBlock + count - 1)
                        + " failed: " + e, e);
            }
            count = 0; // the per-block loop below has nothing left
        }
        for (int i = 0; i < count; i++) {
            ByteBuffer block = data.duplicate();
            block.position(data.position() + i * blockSize).limit(data.position() + (i + 1) * blockSize);
            try {
                last = writer.issue(LogFormat.WRITE, volume, firstBlock + i, 0,
                        sealer == null ? LogFormat.crc(block) : 0, block, sealer);
            } catch (IOException e) {
                failure = e;
                break;
            } catch (RuntimeException e) {
                failure = new EngineException("write of block " + (firstBlock + i) + " failed: " + e, e);
                break;
            }
        }
        if (last != null) {
            writer.awaitApplied(last.seq);
            if (failure == null && concern == WriteConcern.DURABLE) {
                writer.syncFor(last.seq);
                writer.durableRecords.addAndGet(blocks);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Writes whole blocks anywhere in {@code volume} ({@code data[i]}, exactly one block, to block {@code blocks[i]};
     * a block may repeat, the later one wins) as consecutive records written together (one buffered write per segment
     * they fall into), sealing each with {@code sealer} when non-null; returns when {@code concern} is met for all of
     * them. Why: a replica applies the small writes that queued up behind each other with one reservation, one write
     * system call and one wait, instead of one of each per block (BENCHMARKS.md, "Replica writes applied together").
     */
    public void writeScattered(UUID volume, long[] blocks, ByteBuffer[] data, WriteConcern concern, BlockSealer sealer)
            throws IOException {
        if (blocks.length != data.length) {
            throw new IllegalArgumentException(blocks.length + " blocks but " + data.length + " buffers");
        }
        if (blocks.length == 0) {
            return;
        }
        for (int i = 0; i < blocks.length; i++) {
            checkBlock(blocks[i]);
            if (data[i].remaining() != blockSize) {
                throw new IllegalArgumentException("a scattered write is whole blocks of " + blockSize + " bytes, got "
                        + data[i].remaining());
            }
        }
        ensureOpen();
        LogWriter.Pending last;
        try {
            last = writer.issueScattered(volume, blocks, data, sealer);
        } catch (RuntimeException e) {
            throw new EngineException("write of " + blocks.length + " scattered blocks failed: " + e, e);
        }
        writer.awaitApplied(last.seq);
        if (concern == WriteConcern.DURABLE) {
            writer.syncFor(last.seq);
            writer.durableRecords.addAndGet(blocks.length);
        }
    }

    /** Makes everything appended before the call durable (one fdatasync, shared with concurrent callers). */
    public void sync() throws IOException {
        ensureOpen();
        writer.sync();
    }

    // ------------------------------------------------------------------------------------------ versions

    /**
     * Freezes the volume's current content as snapshot {@code name}: O(1), durable when it returns.
     *
     * @throws SnapshotExistsException the volume already has a snapshot of that name
     */
    public LogSnapshot createSnapshot(UUID volume, String name) throws IOException {
        byte[] bytes = checkName(name);
        if (!versionOp(LogFormat.SNAPSHOT, volume, System.currentTimeMillis(), ByteBuffer.wrap(bytes))) {
            throw new SnapshotExistsException("snapshot '" + name + "' already exists in volume " + volume);
        }
        for (ExtentIndex.VersionInfo v : index.versions(volume)) {
            if (v.name().equals(name)) {
                return new LogSnapshot(v.name(), v.id(), v.createdAtMillis(), v.blocks());
            }
        }
        throw new NoSuchSnapshotException("snapshot '" + name + "' of volume " + volume + " was deleted meanwhile");
    }

    /**
     * Deletes a snapshot: its entries move into the next older snapshot where that one has none, the rest are dropped
     * (their records become garbage for the cleaner unless another version maps them). Durable when it returns.
     */
    public void deleteSnapshot(UUID volume, String name) throws IOException {
        if (!versionOp(LogFormat.DELETE_SNAPSHOT, volume, 0, ByteBuffer.wrap(existingName(volume, name)))) {
            throw new NoSuchSnapshotException("no snapshot '" + name + "' in volume " + volume);
        }
    }

    /** Makes the volume's live content equal to the snapshot's; every snapshot stays. Durable when it returns. */
    public void restore(UUID volume, String name) throws IOException {
        if (!versionOp(LogFormat.RESTORE, volume, 0, ByteBuffer.wrap(existingName(volume, name)))) {
            throw new NoSuchSnapshotException("no snapshot '" + name + "' in volume " + volume);
        }
    }

    /**
     * Creates volume {@code target} with the content of {@code source}'s snapshot (null: its live content). Records are
     * shared, not copied; writes to either side afterwards do not show on the other. Durable when it returns.
     *
     * @throws NoSuchSnapshotException the source has no such snapshot
     * @throws EngineException         the target already holds blocks or snapshots
     */
    public void cloneVolume(UUID source, String snapshotOrNull, UUID target) throws IOException {
        if (source.equals(target)) {
            throw new IllegalArgumentException("a volume cannot be cloned onto itself: " + source);
        }
        byte[] name = snapshotOrNull == null ? new byte[0] : existingName(source, snapshotOrNull);
        if (index.hasVolume(target)) {
            throw new EngineException("clone target " + target + " already holds data");
        }
        ByteBuffer payload = ByteBuffer.allocate(16 + name.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        payload.putLong(source.getMostSignificantBits()).putLong(source.getLeastSignificantBits()).put(name).flip();
        if (!versionOp(LogFormat.CLONE, target, snapshotOrNull == null ? 0 : 1, payload)) {
            if (index.hasVolume(target)) {
                throw new EngineException("clone target " + target + " already holds data");
            }
            throw new NoSuchSnapshotException("no snapshot '" + snapshotOrNull + "' in volume " + source);
        }
    }

    /** Snapshots of a volume, oldest first. */
    public List<LogSnapshot> snapshots(UUID volume) {
        List<LogSnapshot> out = new ArrayList<>();
        for (ExtentIndex.VersionInfo v : index.versions(volume)) {
            out.add(new LogSnapshot(v.name(), v.id(), v.createdAtMillis(), v.blocks()));
        }
        return out;
    }

    /** Blocks holding data in the volume's live view, from the index alone. */
    public RoaringBitmap allocatedBlocks(UUID volume) {
        return index.allocatedBlocks(volume);
    }

    /**
     * Blocks whose content may differ between snapshot {@code from} and {@code to} (null {@code to}: the live view), from
     * the maps alone: a superset of the truly changed blocks. With {@code from} null: the blocks holding data in
     * {@code to}.
     */
    public RoaringBitmap changedBlocks(UUID volume, String from, String to) throws NoSuchSnapshotException {
        return index.changedBlocks(volume, from, to);
    }

    /** Volumes holding blocks or snapshots. */
    public Set<UUID> volumeIds() {
        return index.volumeIds();
    }

    /** Whether the volume holds any block or snapshot. */
    public boolean hasVolume(UUID volume) {
        return index.hasVolume(volume);
    }

    /** Distinct records the volume's live view and snapshots reference. */
    public long storedBlocks(UUID volume) {
        return index.entriesOf(volume).size();
    }

    /**
     * Reads every record the volume's versions reference and checks it against its CRC32C (scrub). Bad blocks are
     * reported by block number, ascending, once each.
     */
    public VerifyReport verify(UUID volume) throws IOException {
        ensureOpen();
        java.util.TreeSet<Long> bad = new java.util.TreeSet<>();
        long checked = 0;
        for (ExtentIndex.Entry e : index.entriesOf(volume)) {
            ByteBuffer payload = readStored(e);
            if (payload == null) {
                continue; // relocated and its segment deleted since the listing: the new copy was listed or is newer
            }
            checked++;
            if (!storedCrcMatches(payload, e.crc())) {
                bad.add((long) e.block());
            }
        }
        return new VerifyReport(checked, new ArrayList<>(bad));
    }

    /** A stored payload (plain block, or sealed: nonce, tag, ciphertext) against its recorded CRC32C. */
    private boolean storedCrcMatches(ByteBuffer payload, int crc) {
        int from = payload.remaining() == blockSize ? 0 : LogFormat.SEALED_PREFIX;
        return LogFormat.crc(payload, payload.position() + from, blockSize) == crc;
    }

    /**
     * The bytes of a name that refers to an existing snapshot. A name no snapshot can have (blank, too long) names no
     * snapshot: the same "no such snapshot" as any other unknown name, not an invalid argument (HTTP 404, not 500).
     */
    private static byte[] existingName(UUID volume, String name) throws NoSuchSnapshotException {
        byte[] bytes = nameBytes(name);
        if (bytes == null) {
            String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
            throw new NoSuchSnapshotException("no snapshot '" + shown + "' in volume " + volume);
        }
        return bytes;
    }

    /** The bytes of a name a new snapshot may take; IllegalArgumentException otherwise. */
    private static byte[] checkName(String name) {
        byte[] bytes = nameBytes(name);
        if (bytes == null) {
            throw new IllegalArgumentException("snapshot name must be non-blank and at most " + LogFormat.MAX_NAME_BYTES
                    + " UTF-8 bytes: '" + name + "'");
        }
        return bytes;
    }

    /** A snapshot name's UTF-8 bytes, or null when no snapshot can have it (blank, over 255 bytes). */
    private static byte[] nameBytes(String name) {
        java.util.Objects.requireNonNull(name, "name");
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return name.isBlank() || bytes.length > LogFormat.MAX_NAME_BYTES ? null : bytes;
    }

    /** Appends a version record durably; returns whether it applied. */
    private boolean versionOp(byte type, UUID volume, long arg, ByteBuffer payload) throws IOException {
        return append(type, volume, 0, arg, payload, WriteConcern.DURABLE);
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
                if (!storedCrcMatches(data, e.crc())) {
                    LOG.warnf("cleaner: a block %d of volume family %s fails its checksum; moving it as it is",
                            e.block(), e.family());
                }
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                writer.submit(new LogOp.Append(LogFormat.RELOCATE, e.family(), e.block(), e.location(), e.crc(), data,
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

    /**
     * The stored payload of a record, verbatim (a plain block, or a sealed one with its nonce and tag): what the cleaner
     * moves and verify checks. The record's header says how long it is. Null when its segment is gone (deleted by a
     * checkpoint after the record was relocated or overwritten).
     */
    private ByteBuffer readStored(ExtentIndex.Entry e) throws IOException {
        Segment segment = segments.get(LogFormat.segmentOf(e.location()));
        if (segment == null) {
            return null;
        }
        try {
            ByteBuffer header = ByteBuffer.allocate(LogFormat.RECORD_HEADER).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            segment.readFully(header, LogFormat.offsetOf(e.location()));
            int length = header.getInt(4);
            if (length != LogFormat.dataRecordLength(blockSize) && length != LogFormat.sealedRecordLength(blockSize)) {
                length = LogFormat.dataRecordLength(blockSize); // a corrupt header: move the block bytes as they are
            }
            ByteBuffer data = ByteBuffer.allocate(length - LogFormat.RECORD_HEADER - LogFormat.RECORD_TRAILER);
            segment.readFully(data, LogFormat.offsetOf(e.location()) + LogFormat.RECORD_HEADER);
            return data.flip();
        } catch (ClosedByInterruptException ex) {
            throw new InterruptedIOException("interrupted while reading a stored record");
        } catch (ClosedChannelException ex) {
            return null;
        }
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

    /** False once {@link #close} began (a background task uses it to end quietly instead of reporting a failure). */
    public boolean isOpen() {
        return !closed;
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

    /**
     * Where the live view of {@code volume} maps {@code block} ({@link BlockMap#ABSENT}: nowhere). Also the version the
     * cache of decrypted blocks keys a block by (see {@link #readSealedVersion}).
     */
    long locationOf(UUID volume, long block) {
        ExtentIndex.Extent e = index.lookup(volume, (int) block);
        return e == null ? BlockMap.ABSENT : e.location();
    }

    Path segmentPath(long segmentId) {
        return Segment.pathOf(config.root(), segmentId);
    }

    private boolean append(byte type, UUID volume, long block, long arg, ByteBuffer payload, WriteConcern concern)
            throws IOException {
        ensureOpen();
        return writer.append(type, volume, block, arg, 0, payload, concern == WriteConcern.DURABLE);
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
