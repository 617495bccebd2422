package io.galleonfs.engine.lsm;

import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.engine.SlotPool;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The log's append path. Callers append on their own threads: a caller reserves its record's place (seq and offset in
 * the head segment, one short lock), assembles the record (CRC32C, sealing for encrypted volumes), pwrites it at that
 * offset and publishes it in a ring indexed by seq. Records are applied to the index strictly in seq order by
 * whichever caller holds the apply lock at the time (combining: whoever finds the next records complete applies them all), so readers never
 * see a record before it is completely in the segment and the index passes through exactly the states a replay does.
 * An ACKNOWLEDGED caller returns once its record is applied; a DURABLE one then waits for an fdatasync covering it (the
 * sync thread forces every unsealed segment up to the last applied record, oldest first, and releases every caller that
 * sync covered: group commit).
 *
 * <p>{@code galleon-lsm-writer} appends the records the cleaner queues (relocations) through the same path and takes
 * checkpoints: it cuts the index under the apply lock at the applied prefix, and {@code galleon-lsm-checkpoint} makes
 * that prefix durable, writes the file and deletes the segments the cut no longer needs. {@code galleon-lsm-segments}
 * prepares the next segment ahead (created, preallocated, header fsynced, opened for appends), so a roll only swaps a
 * pointer, and seals full ones (fdatasync once all their records are applied, truncate the unused tail). An I/O error
 * fails every later operation: reopening recovers.
 *
 * <p>Crash rule (see ARCHITECTURE.md): a caller that died between reserving and publishing leaves a hole (zeros or a
 * torn record). No record after a hole was ever applied, so none was acknowledged, and no fdatasync covered it as a
 * durable acknowledgement; recovery ends the log at the first hole.
 */
final class LogWriter implements Runnable {
    private static final Logger LOG = Logger.getLogger(LogWriter.class);
    private static final int QUEUE_CAPACITY = 4096;
    private static final int MAX_BATCH = 1024;
    /** Records reserved but not yet applied, at most (a reserver waits beyond). */
    private static final int RING = 1 << 14;
    private static final int MASK = RING - 1;
    /**
     * Waiting for a predecessor's copy: spin, then yield (it may be preempted: 2 cores, many writers), then park until
     * whoever applies past the waited-for record unparks the waiter ({@link #wakeApplied}); the timeout is only a
     * safety net.
     */
    private static final int SPINS = 32;
    private static final int YIELDS = 16;
    private static final long PARK_NANOS = 1_000_000;
    /** Record assembly buffers (direct: the record is written from native memory), shared by the callers' threads. */
    private final SlotPool<ByteBuffer> scratch;
    /** Most records of one run ({@link #issueRun}); a node's multi-block write comes in pieces of at most 256 blocks. */
    static final int MAX_RUN = 256;
    /** Where runs are assembled for their O_DIRECT write. */
    private final RunBuffers runBuffers;

    /** A record's reserved place in the log; filled by its appender, then applied (result in {@code changed}). */
    static final class Pending {
        final long seq;
        final Segment segment;
        final int offset;
        final int length;
        byte type = LogFormat.PAD;
        UUID volume;
        long block;
        long arg;
        int dataCrc;
        /** Version records only: their payload, which apply reads. */
        ByteBuffer payload;
        /** Written by the applier before it publishes {@link #applied}. */
        boolean changed;

        Pending(long seq, Segment segment, int offset, int length) {
            this.seq = seq;
            this.segment = segment;
            this.offset = offset;
            this.length = length;
        }

        long location() {
            return LogFormat.location(segment.id, offset);
        }
    }

    private final LogStoreConfig config;
    private final Path dir;
    private final ExtentIndex index;
    private final Map<Long, Segment> segments;
    private final BlockingQueue<LogOp> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final ExecutorService checkpointer;
    private final ExecutorService segmentThread;
    private final AtomicBoolean checkpointInFlight = new AtomicBoolean();
    /** Set when a checkpoint failed: the next cut writes every snapshot map anew instead of naming old files. */
    private final AtomicBoolean versionFilesSuspect = new AtomicBoolean();
    private final Thread thread;
    /** Opens of this store, persisted before the writer starts: the high bits of every nonce it hands out. */
    private final long epoch;

    // Reservation (appendLock): the next seq and where the next record goes.
    private final ReentrantLock appendLock = new ReentrantLock();
    private long nextSeq;
    private volatile Segment head;
    private long headEnd;
    private CompletableFuture<Segment> prepared;

    // Apply (applyLock): the ring of published records and the applied prefix.
    private final AtomicReferenceArray<Pending> ring = new AtomicReferenceArray<>(RING);
    private final ReentrantLock applyLock = new ReentrantLock();
    private final AtomicLong applied;
    private long appliedSegment;
    private long appliedEnd;
    private long bytesSinceCheckpoint;

    // Durability (the sync thread): segments holding records not yet fdatasynced, oldest first.
    /** Callers parked in {@link #awaitApplied}; whoever moves the applied prefix past their record unparks them. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ApplyWaiter> applyWaiters =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Callers waiting for an fdatasync; the sync thread unparks those each one covered. */
    private final java.util.concurrent.ConcurrentLinkedQueue<SyncWaiter> syncWaiters =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Thread syncThread;
    private volatile boolean syncStopped;
    private final ConcurrentLinkedDeque<Segment> unsealed = new ConcurrentLinkedDeque<>();
    private final AtomicLong durable;

    private volatile IOException failure;
    private volatile boolean stopped;
    /** Set before the final drain of the queue: a submitter that queued later drains it itself. */
    private volatile boolean drained;

    final AtomicLong records = new AtomicLong();
    final AtomicLong durableRecords = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong fsyncs = new AtomicLong();
    final AtomicLong checkpoints = new AtomicLong();
    private volatile SegmentFactory segmentFactory = Segment::create;
    /** Whether a run goes through the page cache or around it (O_DIRECT). */
    private volatile RunRouting runRouting = RunRouting.forThisMachine();

    LogWriter(LogStoreConfig config, ExtentIndex index, Map<Long, Segment> segments, Segment head, long nextSeq,
              long epoch) throws IOException {
        this.epoch = epoch;
        this.config = config;
        this.dir = config.root();
        this.index = index;
        this.segments = segments;
        this.head = head;
        this.headEnd = LogFormat.SEGMENT_HEADER;
        this.nextSeq = nextSeq;
        this.applied = new AtomicLong(nextSeq - 1);
        this.durable = new AtomicLong(nextSeq - 1);
        this.appliedSegment = head.id;
        this.appliedEnd = LogFormat.SEGMENT_HEADER;
        head.firstSeq = nextSeq;
        int maxRecord = LogFormat.maxRecordLength(config.blockSize());
        this.scratch = new SlotPool<>(64,
                () -> ByteBuffer.allocateDirect(maxRecord).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        // A run's bytes from the start of its first block: up to one block of skew, then the records.
        this.runBuffers = new RunBuffers(Segment.ALIGN + (long) MAX_RUN * maxRecord, 8);
        head.openForAppend();
        unsealed.add(head);
        this.checkpointer = Executors.newSingleThreadExecutor(daemon("galleon-lsm-checkpoint"));
        this.segmentThread = Executors.newSingleThreadExecutor(daemon("galleon-lsm-segments"));
        this.thread = new Thread(this, "galleon-lsm-writer");
        this.thread.setDaemon(true);
        this.syncThread = new Thread(this::syncLoop, "galleon-lsm-sync");
        this.syncThread.setDaemon(true);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    void start() {
        prepared = prepareAsync(head.id + 1);
        syncThread.start();
        thread.start();
    }

    long currentSegmentId() {
        return head.id;
    }

    // ------------------------------------------------------------------------------------------ caller path

    /**
     * Appends one record on the caller's thread and returns once it is applied (readers see it) and, when
     * {@code durable}, fdatasynced. Returns whether the index changed.
     *
     * @param payload a block (WRITE), a version record's payload, or null; read, never modified, before this returns
     */
    boolean append(byte type, UUID volume, long block, long arg, int dataCrc, ByteBuffer payload, boolean durable)
            throws IOException {
        Pending p = issue(type, volume, block, arg, dataCrc, payload, null);
        awaitApplied(p.seq);
        if (durable) {
            syncFor(p.seq);
            durableRecords.incrementAndGet();
        }
        return p.changed;
    }

    /**
     * Reserves, fills and publishes one record without waiting for it; {@code sealer} non-null: {@code payload} is a
     * plain block sealed here with the nonce {@code epoch << 40 | seq} of the reserved record.
     */
    Pending issue(byte type, UUID volume, long block, long arg, int dataCrc, ByteBuffer payload, BlockSealer sealer)
            throws IOException {
        int length = sealer != null ? LogFormat.sealedRecordLength(config.blockSize())
                : payload == null ? LogFormat.SMALL_RECORD
                : LogFormat.RECORD_HEADER + payload.remaining() + LogFormat.RECORD_TRAILER;
        // Taken before the reservation: a record reserved and then never filled or padded would stall every later one.
        ByteBuffer record = scratch.take();
        Pending p;
        try {
            p = reserve(length);
        } catch (IOException | RuntimeException | Error e) {
            scratch.give(record);
            throw e;
        }
        try {
            ByteBuffer stored = payload;
            int crc = dataCrc;
            if (sealer != null) {
                stored = seal(sealer, block, p.seq, payload);
                crc = LogFormat.crc(stored, stored.position() + LogFormat.SEALED_PREFIX,
                        stored.remaining() - LogFormat.SEALED_PREFIX);
            }
            record.clear();
            LogFormat.putRecord(record, type, p.seq, volume, block, arg, crc, stored);
            p.segment.put(p.offset, MemorySegment.ofBuffer(record.flip()));
            p.type = type;
            p.volume = volume;
            p.block = block;
            p.arg = arg;
            p.dataCrc = crc;
            p.payload = LogFormat.isVersionOp(type) ? payload : null;
        } catch (IOException | RuntimeException | Error e) {
            try {
                ByteBuffer pad = record.clear();
                LogFormat.putPad(pad, p.seq, p.length);
                p.segment.put(p.offset, MemorySegment.ofBuffer(pad.flip())); // keep the log contiguous
            } catch (IOException | RuntimeException | Error padFailed) {
                e.addSuppressed(padFailed);
                onFailure(new IOException("cannot fill reserved record " + p.seq, e)); // waiters must not hang
            }
            publish(p);
            throw e;
        } finally {
            scratch.give(record);
        }
        publish(p);
        return p;
    }

    /**
     * Encrypts with the nonce {@code epoch << 40 | seq}, seq being the reserved record's. The seq alone is not enough: a
     * power loss drops the unsynced tail of the log, and the next run reuses those seqs, while the dropped ciphertext
     * may have reached the disk. The epoch (+1 and fsynced at every open, before any write) makes every run's nonces new.
     */
    private ByteBuffer seal(BlockSealer sealer, long block, long seq, ByteBuffer plain) throws EngineException {
        if (seq >= 1L << 40) {
            throw new EngineException("log sequence numbers exhausted the nonce space of encrypted blocks");
        }
        return sealer.seal(block, epoch << 40 | seq, plain.duplicate());
    }

    /**
     * Appends whole blocks {@code firstBlock, firstBlock + 1, ...} of one volume ({@code data.remaining()} is
     * {@code count} blocks) as consecutive records, without waiting for them; returns the last one. The records of a run
     * are reserved together (consecutive seqs and offsets, as many as the head segment holds; the rest in the next
     * one), assembled in one aligned buffer (sealed there when {@code sealer} is non-null, with each record's own nonce)
     * and written with one O_DIRECT write for the whole blocks only they occupy ({@link Segment#putRun}), then published
     * together. Why: a 1 MiB write as 256 buffered pwrites spent 60 % of the node's CPU samples in the kernel appending
     * into fresh page-cache pages (BENCHMARKS.md, "Issue 18"). While nobody syncs and the page cache has room, the
     * run is one buffered write instead ({@link RunRouting}). The crash rule is unchanged: nothing of a run is applied
     * before all of it is in the file, and a run cut short by a crash is a hole.
     */
    Pending issueRun(UUID volume, long firstBlock, ByteBuffer data, int count, BlockSealer sealer) throws IOException {
        return issueRun(volume, firstBlock, data, count, sealer, false);
    }

    /** {@link #issueRun}; {@code buffered}: through the page cache whatever the routing says (short runs). */
    Pending issueRun(UUID volume, long firstBlock, ByteBuffer data, int count, BlockSealer sealer, boolean buffered)
            throws IOException {
        int blockSize = config.blockSize();
        return issueRecords(volume, new BlockSource() {
            @Override
            public long block(int i) {
                return firstBlock + i;
            }

            @Override
            public ByteBuffer plain(int i) {
                ByteBuffer plain = data.duplicate();
                plain.position(data.position() + i * blockSize).limit(plain.position() + blockSize);
                return plain;
            }
        }, count, sealer, buffered);
    }

    /**
     * Like {@link #issueRun} for {@code blocks.length} whole blocks anywhere in the volume ({@code data[i]} is block
     * {@code blocks[i]}, read and not modified; a block may repeat: the later record wins, as it would one write after
     * the other): the replica's batch of queued small writes. Reserved, assembled and written together like a run, in
     * one buffered write (a batch is small: one O_DIRECT stream beats the page cache only from ~128 KiB per write here).
     */
    Pending issueScattered(UUID volume, long[] blocks, ByteBuffer[] data, BlockSealer sealer) throws IOException {
        return issueRecords(volume, new BlockSource() {
            @Override
            public long block(int i) {
                return blocks[i];
            }

            @Override
            public ByteBuffer plain(int i) {
                return data[i].duplicate();
            }
        }, blocks.length, sealer, true);
    }

    /** Where the blocks of consecutive records come from: the i-th record's block number and plain content. */
    private interface BlockSource {
        long block(int i);

        ByteBuffer plain(int i);
    }

    private Pending issueRecords(UUID volume, BlockSource source, int count, BlockSealer sealer, boolean buffered)
            throws IOException {
        int blockSize = config.blockSize();
        int length = sealer != null ? LogFormat.sealedRecordLength(blockSize) : LogFormat.dataRecordLength(blockSize);
        Pending last = null;
        for (int done = 0; done < count; ) {
            Pending[] run = reserveRun(Math.min(count - done, MAX_RUN), length);
            ByteBuffer buffer = runBuffers.take();
            try {
                fillRun(run, buffer, volume, source, done, sealer, buffered);
            } finally {
                runBuffers.give(buffer);
            }
            for (Pending p : run) {
                ring.set((int) (p.seq & MASK), p);
            }
            drain();
            last = run[run.length - 1];
            done += run.length;
        }
        return last;
    }

    /** Assembles and writes the reserved records of one run; on failure PADs their places and rethrows. */
    private void fillRun(Pending[] run, ByteBuffer out, UUID volume, BlockSource source, int index, BlockSealer sealer,
                         boolean buffered) throws IOException {
        long offset = run[0].offset;
        long skew = offset & (Segment.ALIGN - 1);
        try {
            out.position((int) skew);
            for (int i = 0; i < run.length; i++) {
                Pending p = run[i];
                long block = source.block(index + i);
                ByteBuffer plain = source.plain(index + i);
                ByteBuffer stored = plain;
                int crc;
                if (sealer != null) {
                    stored = seal(sealer, block, p.seq, plain);
                    crc = LogFormat.crc(stored, stored.position() + LogFormat.SEALED_PREFIX,
                            stored.remaining() - LogFormat.SEALED_PREFIX);
                } else {
                    crc = LogFormat.crc(plain);
                }
                LogFormat.putRecord(out, LogFormat.WRITE, p.seq, volume, block, 0, crc, stored);
                p.volume = volume;
                p.block = block;
                p.dataCrc = crc;
            }
            run[0].segment.putRun(offset, MemorySegment.ofBuffer(out.clear()), (long) run.length * run[0].length,
                    buffered || runRouting.buffered());
            for (Pending p : run) {
                p.type = LogFormat.WRITE;
            }
        } catch (IOException | RuntimeException | Error e) {
            // Whatever reached the file is not trusted: a PAD in every place keeps the log contiguous.
            ByteBuffer pad = null;
            try {
                pad = scratch.take(); // inside: a failed allocation still reaches onFailure below
                for (Pending p : run) {
                    p.type = LogFormat.PAD;
                    LogFormat.putPad(pad.clear(), p.seq, p.length);
                    p.segment.put(p.offset, MemorySegment.ofBuffer(pad.flip()));
                }
            } catch (IOException | RuntimeException | Error padFailed) {
                e.addSuppressed(padFailed);
                onFailure(new IOException("cannot fill reserved records " + run[0].seq + ".."
                        + run[run.length - 1].seq, e)); // waiters must not hang
            } finally {
                if (pad != null) {
                    scratch.give(pad);
                }
            }
            for (Pending p : run) {
                ring.set((int) (p.seq & MASK), p);
            }
            drain();
            throw e;
        }
    }

    /** Reserves up to {@code max} consecutive records of {@code length} bytes in one segment (at least one). */
    private Pending[] reserveRun(int max, int length) throws IOException {
        lockAppend();
        try {
            long seq = checkOpen();
            while (seq + max - 1 - applied.get() >= RING) {
                appendLock.unlock();
                try {
                    awaitApplied(seq + max - RING);
                } finally {
                    appendLock.lock();
                }
                seq = checkOpen();
            }
            if (headEnd + length > config.segmentBytes()) {
                roll(seq);
            }
            int n = (int) Math.max(1, Math.min(max, (config.segmentBytes() - headEnd) / length));
            Pending[] run = new Pending[n];
            for (int i = 0; i < n; i++) {
                run[i] = new Pending(seq + i, head, (int) headEnd, length);
                headEnd += length;
            }
            nextSeq = seq + n;
            return run;
        } finally {
            appendLock.unlock();
        }
    }

    private Pending reserve(int length) throws IOException {
        lockAppend();
        try {
            long seq = checkOpen();
            while (seq - applied.get() >= RING) {
                // The ring is full: wait (without the lock, helping to apply) for the oldest record to be applied.
                appendLock.unlock();
                try {
                    awaitApplied(seq - RING + 1);
                } finally {
                    appendLock.lock();
                }
                seq = checkOpen();
            }
            if (headEnd + length > config.segmentBytes()) {
                roll(seq);
            }
            Pending p = new Pending(seq, head, (int) headEnd, length);
            nextSeq = seq + 1;
            headEnd += length;
            return p;
        } finally {
            appendLock.unlock();
        }
    }

    /** The reservation lock is held for a few instructions: spin briefly before parking (a parked convoy is slow). */
    private void lockAppend() {
        for (int i = 0; i < 64; i++) {
            if (appendLock.tryLock()) {
                return;
            }
            Thread.onSpinWait();
        }
        appendLock.lock();
    }

    private long checkOpen() throws IOException {
        if (stopped) {
            throw new EngineException("log store is closed");
        }
        IOException failed = failure;
        if (failed != null) {
            throw new EngineException("log store failed: " + failed.getMessage(), failed);
        }
        return nextSeq;
    }

    /** Makes {@code p} (filled) visible to the applier and applies whatever is ready. */
    private void publish(Pending p) {
        ring.set((int) (p.seq & MASK), p);
        drain();
    }

    /** Waits until every record up to {@code seq} is applied, applying the ready ones itself when it can. */
    void awaitApplied(long seq) throws IOException {
        if (applied.get() >= seq) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        ApplyWaiter waiter = null;
        try {
            for (int spins = 0; applied.get() < seq; spins++) {
                IOException failed = failure;
                if (failed != null) {
                    throw new EngineException("log store failed: " + failed.getMessage(), failed);
                }
                drain();
                if (applied.get() >= seq) {
                    return;
                }
                // The next record is still being copied by its appender: let it run (2 cores, many writers).
                if (spins < SPINS) {
                    Thread.onSpinWait();
                } else if (spins < SPINS + YIELDS) {
                    Thread.yield();
                } else if (waiter == null) {
                    // Registered, then checked once more before parking: an apply in between still unparks us.
                    waiter = new ApplyWaiter(seq, Thread.currentThread());
                    applyWaiters.add(waiter);
                } else {
                    LockSupport.parkNanos(this, PARK_NANOS);
                }
            }
        } finally {
            if (waiter != null) {
                applyWaiters.remove(waiter);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record ApplyWaiter(long seq, Thread thread) {
    }

    /**
     * Unparks the parked callers whose record is applied (all of them once the store failed). Before, parked callers
     * polled every 20 µs; a 1 MiB run waits ~0.6 ms for its predecessor's direct write, and each poll was a timer, a
     * wake-up and a remount of a virtual thread.
     */
    private void wakeApplied() {
        if (applyWaiters.isEmpty()) {
            return;
        }
        long a = applied.get();
        boolean failed = failure != null;
        for (ApplyWaiter w : applyWaiters) {
            if (failed || w.seq() <= a) {
                LockSupport.unpark(w.thread());
            }
        }
    }

    /** Applies the published records that continue the applied prefix, unless another thread is doing it. */
    private void drain() {
        while (applyLock.tryLock()) {
            long before = applied.get();
            try {
                applyReady();
            } finally {
                applyLock.unlock();
            }
            if (applied.get() != before || failure != null) {
                wakeApplied();
            }
            // A record published after applyReady looked but before the unlock found the lock taken: pick it up.
            long next = applied.get() + 1;
            Pending p = ring.get((int) (next & MASK));
            if (p == null || p.seq != next || failure != null) {
                return;
            }
        }
    }

    /** Holding applyLock: applies every consecutive published record. */
    private void applyReady() {
        if (failure != null) {
            return;
        }
        long a = applied.get();
        int n = 0;
        while (true) {
            int slot = (int) ((a + 1) & MASK);
            Pending p = ring.get(slot);
            if (p == null || p.seq != a + 1) {
                break;
            }
            try {
                if (p.type != LogFormat.PAD) {
                    p.changed = index.apply(p.type, p.seq, p.volume, p.block, p.arg, p.dataCrc, p.payload,
                            p.location());
                }
            } catch (RuntimeException e) {
                onFailure(e);
                break;
            }
            ring.set(slot, null);
            appliedSegment = p.segment.id;
            appliedEnd = p.offset + p.length;
            bytesSinceCheckpoint += p.length;
            a++;
            n++;
            applied.set(a);
        }
        if (n > 0) {
            records.addAndGet(n);
            batches.incrementAndGet();
            if (bytesSinceCheckpoint >= config.checkpointBytes() && checkpointInFlight.compareAndSet(false, true)) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                done.whenComplete((v, e) -> checkpointInFlight.set(false));
                if (!queue.offer(new LogOp.CheckpointRequest(done))) {
                    checkpointInFlight.set(false); // the queue is full: try again after the next records
                }
            }
        }
    }

    /**
     * {@link #syncTo} on behalf of a caller (a durable write, a flush), which routes the next runs around the page
     * cache for a while ({@link RunRouting}); the store's own syncs (a checkpoint's) do not.
     */
    void syncFor(long seq) throws IOException {
        runRouting.syncRequested();
        syncTo(seq);
    }

    /**
     * Returns once every record up to {@code seq} (applied) is fdatasynced. The fdatasync runs on
     * {@code galleon-lsm-sync}, never on a caller: a caller that synced would come back with its next record before
     * the callers it released were even scheduled, and sync again for that one record (2 cores, 32 writers).
     */
    void syncTo(long seq) throws IOException {
        if (durable.get() >= seq) {
            return;
        }
        syncWaiters.add(new SyncWaiter(seq, Thread.currentThread()));
        LockSupport.unpark(syncThread);
        while (durable.get() < seq) {
            IOException failed = failure;
            if (failed != null) {
                throw new EngineException("log store failed: " + failed.getMessage(), failed);
            }
            if (syncStopped && !syncThread.isAlive() && durable.get() < seq) {
                // Stopped without a final sync (crash()): nobody will fdatasync this record any more.
                throw new EngineException("log store is closed");
            }
            LockSupport.parkNanos(this, 10_000_000);
        }
    }

    private record SyncWaiter(long seq, Thread thread) {
    }

    /** The sync thread: while anyone waits, fdatasync what is applied and release the waiters it covered. */
    private void syncLoop() {
        List<SyncWaiter> waiting = new ArrayList<>();
        while (true) {
            for (SyncWaiter w; (w = syncWaiters.poll()) != null; ) {
                waiting.add(w);
            }
            if (waiting.isEmpty()) {
                if (syncStopped) {
                    return;
                }
                LockSupport.park(this);
                continue;
            }
            try {
                if (failure == null) {
                    forceApplied();
                }
            } catch (IOException | RuntimeException e) {
                // forceApplied recorded the failure: every waiter sees it
            }
            long done = durable.get();
            boolean failed = failure != null;
            waiting.removeIf(w -> {
                if (failed || w.seq() <= done) {
                    LockSupport.unpark(w.thread());
                    return true;
                }
                return false;
            });
        }
    }

    /** The leader's fdatasync: every unsealed segment holding an applied record, oldest first. */
    private void forceApplied() throws IOException {
        try {
            long target = applied.get();
            for (Segment s : unsealed) {
                if (s.firstSeq > target) {
                    break;
                }
                try {
                    s.channel.force(false);
                } catch (ClosedChannelException e) {
                    if (!s.sealed) {
                        throw e; // a sealed one was synced before it was closed
                    }
                }
            }
            fsyncs.incrementAndGet();
            durable.set(target);
        } catch (IOException | RuntimeException e) {
            onFailure(e);
            throw e;
        }
    }

    /** Makes every record applied so far durable. */
    void sync() throws IOException {
        syncFor(applied.get());
    }

    // ------------------------------------------------------------------------------------------ segments

    /**
     * Holding appendLock: record {@code seq} does not fit into the head. The prepared segment becomes the head; the old
     * one is sealed in the background once its records are applied. The old head's unused tail stays zeros, which
     * recovery reads as the end of that segment's records.
     */
    private void roll(long seq) throws IOException {
        Segment next = nextSegment();
        Segment old = head;
        old.end(headEnd);
        next.firstSeq = seq;
        segments.put(next.id, next);
        unsealed.add(next);
        head = next;
        headEnd = LogFormat.SEGMENT_HEADER;
        prepared = prepareAsync(next.id + 1);
        long lastSeq = seq - 1;
        segmentThread.execute(() -> seal(old, lastSeq));
    }

    /**
     * Holding appendLock: the segment prepared to follow the head. A disk that was full when it was prepared (another
     * program filled it past the node's reserve) is no failure of the log: nothing of it changed, so this append is
     * refused as out of space and the store goes on; the segment is created again now, and at the next roll while the
     * disk stays full, so appends resume by themselves once space is back. Any other error ends the store.
     */
    private Segment nextSegment() throws IOException {
        try {
            return prepared.join();
        } catch (CompletionException e) {
            IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
            if (!OutOfSpaceException.causedBy(io)) {
                onFailure(io);
                throw io;
            }
        }
        long id = head.id + 1;
        try {
            Segment s = createSegment(id);
            prepared = CompletableFuture.completedFuture(s);
            return s;
        } catch (IOException | RuntimeException e) {
            prepared = CompletableFuture.failedFuture(e);
            if (OutOfSpaceException.causedBy(e)) {
                throw new OutOfSpaceException("no space left on the storage device for log segment " + id, e);
            }
            onFailure(e);
            throw e;
        }
    }

    private CompletableFuture<Segment> prepareAsync(long id) {
        CompletableFuture<Segment> f = new CompletableFuture<>();
        segmentThread.execute(() -> {
            try {
                f.complete(createSegment(id));
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private Segment createSegment(long id) throws IOException {
        Segment s = segmentFactory.create(dir, id, config.blockSize(), config.segmentBytes());
        try {
            s.openForAppend();
        } catch (IOException | RuntimeException e) {
            s.close();
            Files.deleteIfExists(s.path);
            throw e;
        }
        return s;
    }

    /** How a new segment file comes to be; a seam for tests that need a full disk. */
    @FunctionalInterface
    interface SegmentFactory {
        Segment create(Path dir, long id, int blockSize, long size) throws IOException;
    }

    /** Test seam: how the next runs choose between the page cache and O_DIRECT. */
    void runRouting(RunRouting routing) {
        this.runRouting = routing;
    }

    /** Test seam: the next segments are created by {@code factory}. */
    void segmentFactory(SegmentFactory factory) {
        this.segmentFactory = factory;
    }

    /** Once every record of {@code s} up to {@code lastSeq} is applied: fdatasync, close the append descriptor, truncate. */
    private void seal(Segment s, long lastSeq) {
        try {
            awaitApplied(lastSeq);
            s.channel.force(false);
            fsyncs.incrementAndGet();
            s.closeForAppend();
            s.trimToEnd();
            s.sealed = true;
            unsealed.remove(s);
        } catch (IOException | RuntimeException e) {
            if (!stopped) {
                onFailure(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ writer thread

    /** Queues {@code op} for the writer thread; blocks while the queue is full (back-pressure). */
    void submit(LogOp op) throws IOException {
        if (stopped) {
            throw new EngineException("log store is closed");
        }
        IOException failed = failure;
        if (failed != null && !(op instanceof LogOp.Stop)) {
            throw new EngineException("log store failed: " + failed.getMessage(), failed);
        }
        try {
            queue.put(op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while queueing a log record");
        }
        if (drained) {
            failAll(new EngineException("log store is closed"));
        }
    }

    @Override
    public void run() {
        List<LogOp> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                LOG.error("log writer interrupted; the store stops accepting writes");
                stopped = true;
                drained = true;
                failAll(new EngineException("log writer interrupted"));
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            LogOp.Stop stop = process(batch);
            batch.clear();
            if (stop != null) {
                finish(stop);
                return;
            }
        }
    }

    private record Issued(LogOp.Append op, Pending pending) {
    }

    /** Appends a batch of queued ops; returns the Stop op when the batch contains one (later ops in it fail as closed). */
    private LogOp.Stop process(List<LogOp> batch) {
        LogOp.Stop stop = null;
        List<Issued> issued = new ArrayList<>();
        for (LogOp op : batch) {
            if (stop != null) {
                fail(op, new EngineException("log store is closed"));
                continue;
            }
            try {
                switch (op) {
                    case LogOp.Append a -> issued.add(new Issued(a, issue(a.type(), a.volume(), a.block(), a.arg(),
                            a.dataCrc(), a.payload(), null)));
                    case LogOp.CheckpointRequest r -> {
                        complete(issued);
                        checkpoint(r.done());
                    }
                    case LogOp.Stop s -> {
                        complete(issued);
                        stop = s;
                        try {
                            stopAppends(s.checkpoint());
                            if (failure == null && s.checkpoint()) {
                                checkpoint(new CompletableFuture<>()).join();
                            }
                        } catch (IOException | RuntimeException e) {
                            onFailure(e); // close reports it
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(op, e);
            }
        }
        complete(issued);
        return stop;
    }

    /** Waits for the issued records, fdatasyncs once if any of them asks for it, completes them. */
    private void complete(List<Issued> issued) {
        if (issued.isEmpty()) {
            return;
        }
        try {
            long last = issued.getLast().pending().seq;
            awaitApplied(last);
            if (issued.stream().anyMatch(i -> i.op().durable())) {
                syncFor(last);
            }
            for (Issued i : issued) {
                if (i.op().durable()) {
                    durableRecords.incrementAndGet();
                }
                i.op().done().complete(i.pending().changed);
            }
        } catch (IOException | RuntimeException e) {
            for (Issued i : issued) {
                i.op().done().completeExceptionally(e);
            }
        }
        issued.clear();
    }

    /**
     * Refuses new reservations and waits until every reserved record is applied (appenders finish their copies); on a
     * clean stop also makes them durable (a crash stop leaves them unsynced, like kill -9).
     */
    private void stopAppends(boolean clean) throws IOException {
        long last;
        appendLock.lock();
        try {
            stopped = true;
            last = nextSeq - 1;
        } finally {
            appendLock.unlock();
        }
        if (failure == null) {
            awaitApplied(last);
            if (clean) {
                sync();
            }
        }
    }

    /** Takes a consistent cut at the applied prefix now and persists it on the checkpoint thread. */
    private CompletableFuture<Void> checkpoint(CompletableFuture<Void> done) throws IOException {
        if (versionFilesSuspect.getAndSet(false)) {
            index.dirtyAllVersions(); // a failed checkpoint may have left files of the last cut unwritten
        }
        Checkpoint cut;
        Map<Long, Long> live;
        long cutSeq;
        applyLock.lock();
        try {
            applyReady();
            IOException failed = failure;
            if (failed != null) {
                throw failed;
            }
            cutSeq = applied.get();
            Map<UUID, ExtentIndex.VolumeCut> volumes = index.cut(); // gives dirty maps new file ids: before nextFileId
            cut = new Checkpoint(appliedSegment, appliedEnd, cutSeq + 1, index.nextFileId(), volumes);
            live = index.liveBytesBySegment();
            bytesSinceCheckpoint = 0;
        } finally {
            applyLock.unlock();
            wakeApplied(); // its applyReady may have applied what a parked caller waits for
        }
        checkpointer.execute(() -> {
            try {
                syncTo(cutSeq); // the checkpoint never names a position whose records could still be lost
                cut.write(dir, config.blockSize());
                checkpoints.incrementAndGet();
                deleteUnneeded(cut.segment(), live);
                Checkpoint.deleteUnreferencedVersionFiles(dir, cut);
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                versionFilesSuspect.set(true);
                LOG.error("checkpoint failed; the log since the previous one stays and is replayed", e);
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Deletes the segments the checkpoint no longer needs: older than its position (never replayed), sealed, and
     * without a block the checkpointed index references. A segment dead in the cut stays dead: new data only goes to
     * the head.
     */
    private void deleteUnneeded(long position, Map<Long, Long> live) throws IOException {
        boolean deleted = false;
        for (Segment s : List.copyOf(segments.values())) {
            if (s.id < position && s.sealed && !live.containsKey(s.id)) {
                segments.remove(s.id);
                s.close();
                Files.deleteIfExists(s.path);
                deleted = true;
            }
        }
        if (deleted) {
            io.galleonfs.engine.AtomicFiles.fsyncDirectory(dir);
        }
    }

    private void finish(LogOp.Stop stop) {
        checkpointer.shutdown();
        segmentThread.shutdown();
        try {
            // Wait for a checkpoint still being written, a segment being prepared or sealed, before the files close.
            checkpointer.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
            segmentThread.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        syncStopped = true;
        LockSupport.unpark(syncThread);
        try {
            syncThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        head.closeForAppend();
        Segment next = prepared.isCompletedExceptionally() ? null : prepared.getNow(null); // failed: a full disk
        if (next != null && !segments.containsKey(next.id)) {
            try {
                next.close(); // never used: recovery deletes it as empty
            } catch (IOException e) {
                LOG.warnf(e, "closing prepared segment %d", next.id);
            }
        }
        drained = true;
        failAll(new EngineException("log store is closed"));
        IOException failed = failure;
        if (failed != null && stop.checkpoint()) {
            stop.done().completeExceptionally(failed); // close reports that the store ended without a checkpoint
        } else {
            stop.done().complete(null);
        }
    }

    private void onFailure(Exception e) {
        IOException io = e instanceof IOException ioe ? ioe : new IOException(e);
        if (failure == null) {
            LOG.error("log append failed; the store refuses further operations until reopened", io);
            failure = io;
        }
        wakeApplied();
    }

    private void failAll(IOException e) {
        List<LogOp> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (LogOp op : rest) {
            fail(op, e);
        }
    }

    private static void fail(LogOp op, Throwable e) {
        switch (op) {
            case LogOp.Append a -> a.done().completeExceptionally(e);
            case LogOp.CheckpointRequest r -> r.done().completeExceptionally(e);
            case LogOp.Stop s -> s.done().complete(null);
        }
    }

    /** Waits for the writer thread to end (after a Stop). */
    void join() throws InterruptedException {
        thread.join();
    }
}
