package io.galleonfs.engine.lsm;

import io.galleonfs.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The single thread that appends to the log (group commit). It takes everything queued, encodes it into one
 * buffer, appends it with one write, applies the records to the index in log order (now readers see them), and
 * fdatasyncs once per batch if any caller asked for durability, completing the durable callers after the sync.
 *
 * <p>Segments roll when the next record does not fit; the full segment is fdatasynced before the first record
 * goes to the next one, so after a crash only the newest segment can end in a torn record.
 *
 * <p>Checkpoints: the writer thread flushes, fsyncs and copies the index (a consistent cut at a log position),
 * then a second thread writes the file and deletes the segments that cut no longer needs. An I/O error makes the
 * writer fail every later operation: the log position is then unknown, reopening recovers.
 */
final class LogWriter implements Runnable {
    private static final Logger LOG = Logger.getLogger(LogWriter.class);
    private static final int QUEUE_CAPACITY = 4096;
    private static final int MAX_BATCH = 1024;
    private static final int BUFFER_BYTES = 1 << 20;

    private record Staged(LogOp.Append op, long seq, long location) {
    }

    private final LogStoreConfig config;
    private final Path dir;
    private final ExtentIndex index;
    private final Map<Long, Segment> segments;
    private final BlockingQueue<LogOp> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final ByteBuffer buffer;
    private final List<Staged> staged = new ArrayList<>();
    /** Callers waiting for the next fdatasync (durable appends, sync requests) and what each is told then. */
    private record Waiter(CompletableFuture<Boolean> done, boolean result) {
    }

    private final List<Waiter> awaitingSync = new ArrayList<>();
    private final ExecutorService checkpointer;
    private final AtomicBoolean checkpointInFlight = new AtomicBoolean();
    /** Set when a checkpoint failed: the next cut writes every snapshot map anew instead of naming old files. */
    private final AtomicBoolean versionFilesSuspect = new AtomicBoolean();
    private final int recordLength;
    private final Thread thread;

    private volatile Segment current;
    private volatile IOException failure;
    private volatile boolean stopped;
    /** Set before the final drain of the queue: a submitter that queued later drains it itself. */
    private volatile boolean drained;
    private long nextSeq;
    /** Opens of this store, persisted before the writer starts: the high bits of every nonce it hands out. */
    private final long epoch;
    private long bytesSinceCheckpoint;

    final AtomicLong records = new AtomicLong();
    final AtomicLong durableRecords = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong fsyncs = new AtomicLong();
    final AtomicLong checkpoints = new AtomicLong();

    LogWriter(LogStoreConfig config, ExtentIndex index, Map<Long, Segment> segments, Segment current, long nextSeq,
              long epoch) {
        this.epoch = epoch;
        this.config = config;
        this.dir = config.root();
        this.index = index;
        this.segments = segments;
        this.current = current;
        this.nextSeq = nextSeq;
        this.recordLength = LogFormat.maxRecordLength(config.blockSize());
        this.buffer = ByteBuffer.allocateDirect(Math.max(BUFFER_BYTES, 2 * recordLength)).order(ByteOrder.LITTLE_ENDIAN);
        this.checkpointer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "galleon-lsm-checkpoint");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this, "galleon-lsm-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long currentSegmentId() {
        return current.id;
    }

    /** Queues {@code op}; blocks while the queue is full (back-pressure on writers). */
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
            throw new java.io.InterruptedIOException("interrupted while queueing a log record");
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

    /** Appends a batch; returns the Stop op when the batch contains one (later ops in it fail as closed). */
    private LogOp.Stop process(List<LogOp> batch) {
        LogOp.Stop stop = null;
        for (LogOp op : batch) {
            if (stop != null) {
                fail(op, new EngineException("log store is closed"));
                continue;
            }
            if (op instanceof LogOp.Stop s) {
                stopped = true;
                stop = s;
                if (failure == null) {
                    try {
                        flush();
                        syncAwaiting();
                        if (s.checkpoint()) {
                            checkpoint(new CompletableFuture<>()).join();
                        }
                    } catch (IOException | RuntimeException e) {
                        onFailure(e);
                    }
                }
                continue;
            }
            if (failure != null) {
                fail(op, failure);
                continue;
            }
            try {
                switch (op) {
                    case LogOp.Append append -> stage(append);
                    case LogOp.SealedWrite sealed -> stage(seal(sealed));
                    case LogOp.CheckpointRequest request -> checkpoint(request.done());
                    case LogOp.Sync sync -> {
                        flush();
                        awaitingSync.add(new Waiter(sync.done(), true));
                    }
                    case LogOp.Stop s -> throw new IllegalStateException("handled above");
                }
            } catch (IOException | RuntimeException e) {
                fail(op, e);
                onFailure(e);
            }
        }
        if (failure == null) {
            try {
                flush();
                syncAwaiting();
                if (bytesSinceCheckpoint >= config.checkpointBytes() && checkpointInFlight.compareAndSet(false, true)) {
                    checkpoint(new CompletableFuture<>()).whenComplete((v, e) -> checkpointInFlight.set(false));
                }
            } catch (IOException | RuntimeException e) {
                onFailure(e);
            }
        }
        return stop;
    }

    private void stage(LogOp.Append op) throws IOException {
        int length = op.payload() == null ? LogFormat.SMALL_RECORD
                : LogFormat.RECORD_HEADER + op.payload().remaining() + LogFormat.RECORD_TRAILER;
        if (current.end() + buffer.position() + length > config.segmentBytes()) {
            flush();
            roll();
        }
        long location = LogFormat.location(current.id, current.end() + buffer.position());
        long seq = nextSeq++;
        LogFormat.putRecord(buffer, op.type(), seq, op.volume(), op.block(), op.arg(), op.dataCrc(), op.payload());
        staged.add(new Staged(op, seq, location));
        bytesSinceCheckpoint += length;
        if (buffer.remaining() < recordLength) {
            flush();
        }
    }

    /**
     * Encrypts with the nonce {@code epoch << 40 | seq}, seq being the one the record is about to get (stage takes
     * nextSeq next). The seq alone is not enough: a power loss drops the unsynced tail of the log, and the next run
     * reuses those seqs, while the dropped ciphertext may have reached the disk. The epoch (+1 and fsynced at every
     * open, before any write) makes every run's nonces new.
     */
    private LogOp.Append seal(LogOp.SealedWrite w) throws IOException {
        if (nextSeq >= 1L << 40) {
            throw new EngineException("log sequence numbers exhausted the nonce space of encrypted blocks");
        }
        ByteBuffer payload = w.sealer().seal(w.block(), epoch << 40 | nextSeq, w.plain().duplicate());
        int crc = LogFormat.crc(payload, payload.position() + LogFormat.SEALED_PREFIX,
                payload.remaining() - LogFormat.SEALED_PREFIX);
        return new LogOp.Append(LogFormat.WRITE, w.volume(), w.block(), 0, crc, payload, w.durable(), w.done());
    }

    /** Writes the buffer with one system call, then makes its records visible in log order. */
    private void flush() throws IOException {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        current.append(buffer);
        buffer.clear();
        batches.incrementAndGet();
        for (Staged s : staged) {
            LogOp.Append op = s.op();
            boolean changed = index.apply(op.type(), s.seq(), op.volume(), op.block(), op.arg(), op.dataCrc(),
                    op.payload(), s.location());
            records.incrementAndGet();
            if (op.durable()) {
                durableRecords.incrementAndGet();
                awaitingSync.add(new Waiter(op.done(), changed));
            } else {
                op.done().complete(changed);
            }
        }
        staged.clear();
    }

    private void syncAwaiting() throws IOException {
        if (awaitingSync.isEmpty()) {
            return;
        }
        current.channel.force(false);
        fsyncs.incrementAndGet();
        for (Waiter w : awaitingSync) {
            w.done().complete(w.result());
        }
        awaitingSync.clear();
    }

    /** Seals the current segment (fdatasync, give back its unused tail) and starts the next one. */
    private void roll() throws IOException {
        Segment sealed = current;
        sealed.channel.force(false);
        fsyncs.incrementAndGet();
        for (Waiter w : awaitingSync) {
            w.done().complete(w.result());
        }
        awaitingSync.clear();
        sealed.trimToEnd();
        Segment next = Segment.create(dir, sealed.id + 1, config.blockSize(), config.segmentBytes());
        segments.put(next.id, next);
        current = next;
    }

    /** Takes a consistent cut now (writer thread) and persists it on the checkpoint thread. */
    private CompletableFuture<Void> checkpoint(CompletableFuture<Void> done) throws IOException {
        flush();
        syncAwaiting();
        current.channel.force(false);
        if (versionFilesSuspect.getAndSet(false)) {
            index.dirtyAllVersions(); // a failed checkpoint may have left files of the last cut unwritten
        }
        Map<java.util.UUID, ExtentIndex.VolumeCut> volumes = index.cut();
        Checkpoint cut = new Checkpoint(current.id, current.end(), nextSeq, index.nextFileId(), volumes);
        Map<Long, Long> live = index.liveBytesBySegment();
        bytesSinceCheckpoint = 0;
        checkpointer.execute(() -> {
            try {
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
     * Deletes the segments the checkpoint no longer needs: older than its position (never replayed) and without a
     * block the checkpointed index references. A segment dead in the cut stays dead: new data only goes to the head.
     */
    private void deleteUnneeded(long position, Map<Long, Long> live) throws IOException {
        boolean deleted = false;
        for (Segment s : List.copyOf(segments.values())) {
            if (s.id < position && !live.containsKey(s.id)) {
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
        try {
            // Wait for a checkpoint still being written before the segment channels close.
            checkpointer.awaitTermination(Long.MAX_VALUE, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        for (Staged s : staged) {
            s.op().done().completeExceptionally(io);
        }
        staged.clear();
        for (Waiter w : awaitingSync) {
            w.done().completeExceptionally(io);
        }
        awaitingSync.clear();
        buffer.clear();
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
            case LogOp.SealedWrite a -> a.done().completeExceptionally(e);
            case LogOp.CheckpointRequest r -> r.done().completeExceptionally(e);
            case LogOp.Sync r -> r.done().completeExceptionally(e);
            case LogOp.Stop s -> s.done().complete(null);
        }
    }

    /** Waits for the writer thread to end (after a Stop). */
    void join() throws InterruptedException {
        thread.join();
    }
}
