package io.galleonfs.node.replication;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.jboss.logging.Logger;

/**
 * The replica side: applies a primary's operations to this node's copy, strictly in arrival order per volume (one
 * virtual thread per volume), after checking the epoch (fencing) and that the sequence has no gap. A durable write
 * is applied in order, then flushed off the ordered thread so concurrent flushes share one group commit.
 */
final class ReplicaApplier {
    private static final Logger LOG = Logger.getLogger(ReplicaApplier.class);

    private final BlockEngine engine;
    private final EpochStore epochs;
    private final long incarnation;
    private final Function<UUID, Optional<VolumeRecord>> metadata;
    private final String nodeId;
    private final Map<UUID, VolumeState> states = new ConcurrentHashMap<>();
    private final ExecutorService flushers = Executors.newVirtualThreadPerTaskExecutor();
    /** Where the volumes' {@link SerialExecutor}s run their tasks: a virtual thread per drain, none while idle. */
    private final ExecutorService orderedPool =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("galleon-replica").factory());

    ReplicaApplier(String nodeId, BlockEngine engine, EpochStore epochs, long incarnation, Function<UUID, Optional<VolumeRecord>> metadata) {
        this.nodeId = nodeId;
        this.engine = engine;
        this.epochs = epochs;
        this.incarnation = incarnation;
        this.metadata = metadata;
    }

    /** Per volume: the ordered executor, the last applied sequence number and the recent operations. */
    static final class VolumeState {
        final SerialExecutor ordered;
        final RecentOps recent = new RecentOps();
        volatile long appliedSeq;
        /** Replica operations applied here for the primary, and the bytes they wrote (metrics; ordered tasks write). */
        final java.util.concurrent.atomic.LongAdder appliedOps = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder appliedBytes = new java.util.concurrent.atomic.LongAdder();
        /** Engine calls that applied replica writes (one per batch of queued writes): appliedOps / this = batch size. */
        final java.util.concurrent.atomic.LongAdder writeBatches = new java.util.concurrent.atomic.LongAdder();
        /** Whether the volume is in {@link #withApplied} (the ordered tasks write). */
        boolean counted;
        /** What a primary resuming a rebuild after its crash must resend (the ordered tasks only). */
        final RebuildMarks marks = new RebuildMarks();

        VolumeState(java.util.concurrent.Executor pool) {
            this.ordered = new SerialExecutor(pool);
        }
    }

    /** Per volume with a copy applied here: {operations, bytes} applied for its primary since this process started. */
    Map<UUID, long[]> appliedTotals() {
        Map<UUID, long[]> out = new java.util.HashMap<>();
        for (UUID id : withApplied) {
            VolumeState s = states.get(id);
            if (s != null) {
                out.put(id, new long[] {s.appliedOps.sum(), s.appliedBytes.sum()});
            }
        }
        return out;
    }

    /**
     * The volumes with a replica operation applied here: the metrics read the totals every few seconds, and a walk over
     * every volume's state (most never see a replica write) was 2 % of the nodes' CPU with 60,000 volumes.
     */
    private final java.util.Set<UUID> withApplied = java.util.concurrent.ConcurrentHashMap.newKeySet();

    VolumeState state(UUID volume) {
        return states.computeIfAbsent(volume, v -> new VolumeState(orderedPool));
    }

    long appliedSeq(UUID volume) {
        VolumeState s = states.get(volume);
        return s == null ? 0 : s.appliedSeq;
    }

    RecentOps recent(UUID volume) {
        return state(volume).recent;
    }

    /** Also used by the primary for its own operations, so its recent log is complete after a failover. */
    void recordOwn(UUID volume, long seq, long firstBlock, int blocks) {
        VolumeState s = state(volume);
        s.appliedSeq = seq;
        s.recent.record(seq, firstBlock, blocks);
    }

    void setApplied(UUID volume, long seq) {
        state(volume).appliedSeq = seq;
    }

    /** Runs {@code op} after every operation that arrived before it; the future completes with the reply. */
    CompletionStage<DataMessage.Response> ordered(UUID volume, Callable op) {
        CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
        try {
            state(volume).ordered.execute(() -> {
                try {
                    op.call(f);
                } catch (Throwable t) {
                    f.complete(failure(t));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(new Failure(ErrorCode.UNAVAILABLE, "volume " + volume + " is closing"));
        }
        return f;
    }

    @FunctionalInterface
    interface Callable {
        void call(CompletableFuture<DataMessage.Response> reply) throws Exception;
    }

    /** The replica side of the data plane: replica operations and reads of this node's copy, as the node's handler dispatches them. */
    CompletionStage<DataMessage.Response> serve(DataMessage.Request request) {
        return switch (request) {
            case ReplicaOp op -> apply(op);
            case StatusRequest s -> status(s);
            case DataMessage.RebuildStateRequest q -> ordered(q.volume(), reply -> {
                org.roaringbitmap.RoaringBitmap since = state(q.volume()).marks.writtenSince(q.resetEpoch(), q.mark());
                if (since == null) {
                    reply.complete(new Failure(ErrorCode.NOT_FOUND, "volume " + q.volume() + ": this copy does not know"
                            + " checkpoint " + q.mark() + " of the rebuild reset at epoch " + q.resetEpoch()));
                    return;
                }
                since.runOptimize();
                ByteBuffer out = ByteBuffer.allocate(since.serializedSizeInBytes());
                since.serialize(out);
                reply.complete(new Data(out.array()));
            });
            case BlockRead r -> blockRead(r);
            case ChecksumRequest c -> checksums(c);
            default -> CompletableFuture.completedFuture(new Failure(ErrorCode.BAD_REQUEST,
                    request.getClass().getSimpleName() + " is not a replica request"));
        };
    }

    CompletionStage<DataMessage.Response> apply(ReplicaOp op) {
        if (op instanceof ReplicaWrite w) {
            CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
            try {
                state(w.volume()).ordered.execute(new WriteTask(w, f));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                f.complete(new Failure(ErrorCode.UNAVAILABLE, "volume " + w.volume() + " is closing"));
            }
            return f;
        }
        return ordered(op.volume(), reply -> applyOne(op, reply));
    }

    /** Most queued writes applied as one batch, and the largest write that joins one (larger ones go alone, as runs). */
    static final int BATCH_WRITES = 64;
    static final int BATCH_WRITE_MAX_BYTES = 64 * 1024;

    /** A replica write waiting in its volume's ordered queue; the first of several queued ones applies them all. */
    private final class WriteTask implements Runnable {
        final ReplicaWrite write;
        final CompletableFuture<DataMessage.Response> reply;
        /** Applied (and answered) by an earlier task's batch: its own turn does nothing. Ordered tasks only. */
        boolean taken;

        WriteTask(ReplicaWrite write, CompletableFuture<DataMessage.Response> reply) {
            this.write = write;
            this.reply = reply;
        }

        @Override
        public void run() {
            if (taken) {
                return;
            }
            try {
                applyWrites(this);
            } catch (Throwable t) {
                reply.complete(failure(t));
            }
        }
    }

    /**
     * Applies {@code first} and the writes queued right behind it that continue its sequence in the same epoch (small,
     * whole blocks) as one engine batch ({@code Volume.writeAll}: one append for all of them), then answers each. Why:
     * under 4 KiB writes at queue depth 32 a replica received writes in bursts and applied them with one engine append
     * and one wait each (BENCHMARKS.md, "Replica writes applied together"). The rules of a single write
     * hold for the batch: the first is checked (epoch, sequence) as always and the others continue it; a failure
     * answers every write of the batch with it and leaves the applied sequence where it was, so the next operation finds
     * a gap and the primary resyncs this copy, exactly as after a single failed write.
     */
    private void applyWrites(WriteTask first) throws Exception {
        ReplicaWrite w0 = first.write;
        if (!admitted(w0, first.reply)) {
            return;
        }
        VolumeState st = state(w0.volume());
        if (w0.seq() != 0 && w0.seq() != st.appliedSeq + 1) { // seq 0: a catch-up or rebuild write, outside the order
            first.reply.complete(new Failure(ErrorCode.BAD_REQUEST, "volume " + w0.volume() + ": operation " + w0.seq()
                    + " does not follow " + st.appliedSeq + " (a gap: this copy must be resynced)"));
            return;
        }
        Volume vol = openOrCreate(w0.volume());
        int blockSize = vol.blockSize();
        List<WriteTask> batch = new ArrayList<>();
        batch.add(first);
        if (batchable(w0, blockSize)) {
            st.ordered.visitQueued(r -> {
                ReplicaWrite last = batch.getLast().write;
                if (batch.size() < BATCH_WRITES && r instanceof WriteTask t && !t.taken && t.write.epoch() == last.epoch()
                        && t.write.seq() == last.seq() + 1 && batchable(t.write, blockSize)) {
                    batch.add(t);
                    return true;
                }
                return false;
            });
            for (int i = 1; i < batch.size(); i++) {
                batch.get(i).taken = true; // answered below, whatever happens
            }
        }
        try {
            applyBatch(st, vol, batch);
        } catch (Throwable t) {
            DataMessage.Response failed = failure(t);
            batch.forEach(b -> b.reply.complete(failed)); // those already answered keep their answer
        }
    }

    private void applyBatch(VolumeState st, Volume vol, List<WriteTask> batch) {
        ReplicaWrite w0 = batch.getFirst().write;
        int blockSize = vol.blockSize();
        boolean durable = false;
        try {
            if (batch.size() == 1) {
                vol.write(w0.offset(), ByteBuffer.wrap(w0.data()), WriteConcern.ACKNOWLEDGED);
            } else {
                List<Volume.Write> writes = new ArrayList<>(batch.size());
                for (WriteTask t : batch) {
                    writes.add(new Volume.Write(t.write.offset(), ByteBuffer.wrap(t.write.data())));
                }
                vol.writeAll(writes, WriteConcern.ACKNOWLEDGED);
            }
        } catch (Throwable t) {
            DataMessage.Response failed = failure(t);
            batch.forEach(b -> b.reply.complete(failed));
            return;
        }
        for (WriteTask t : batch) {
            ReplicaWrite w = t.write;
            written(st, w.offset(), w.data().length, blockSize);
            record(st, w.seq(), w.offset(), w.data().length, blockSize);
            st.appliedBytes.add(w.data().length);
            durable |= w.durable();
        }
        if (batch.getLast().write.seq() != 0) {
            st.appliedSeq = batch.getLast().write.seq();
        }
        st.writeBatches.increment();
        countApplied(st, w0.volume(), batch.size());
        answer(vol, durable, () -> batch.forEach(b -> b.reply.complete(new Ok(b.write.seq()))), t -> {
            DataMessage.Response failed = failure(t);
            batch.forEach(b -> b.reply.complete(failed));
        });
    }

    /** Counts operations applied for the primary (metrics). */
    private void countApplied(VolumeState st, UUID volume, int ops) {
        st.appliedOps.add(ops);
        if (!st.counted) {
            st.counted = true;
            withApplied.add(volume);
        }
    }

    /**
     * Answers now, or once {@code vol} is flushed when {@code flush}: off the ordered queue, so the next operations
     * apply meanwhile and concurrent flushes share one group commit.
     */
    private void answer(Volume vol, boolean flush, Runnable ok, java.util.function.Consumer<Throwable> failed) {
        if (!flush) {
            ok.run();
            return;
        }
        flushers.execute(() -> {
            try {
                vol.flush();
                ok.run();
            } catch (Throwable t) {
                failed.accept(t);
            }
        });
    }

    private static boolean batchable(ReplicaWrite w, int blockSize) {
        int length = w.data().length;
        return w.seq() != 0 && length > 0 && length <= BATCH_WRITE_MAX_BYTES && length % blockSize == 0
                && w.offset() % blockSize == 0;
    }

    /**
     * The epoch checks every replica operation passes first: refused (answered here, false) when the sender was deposed;
     * raises this node's epoch for the volume when the sender's is newer.
     */
    private boolean admitted(ReplicaOp op, CompletableFuture<DataMessage.Response> reply) throws IOException {
        long known = epochs.get(op.volume());
        if (op.epoch() < known) {
            reply.complete(new Failure(ErrorCode.STALE_EPOCH, "volume " + op.volume() + " is at epoch " + known
                    + " on node " + nodeId + "; epoch " + op.epoch() + " was deposed"));
            return false;
        }
        Optional<VolumeRecord> rec = metadata.apply(op.volume());
        if (rec.isPresent() && op.epoch() < rec.get().epoch()) {
            reply.complete(new Failure(ErrorCode.STALE_EPOCH, "volume " + op.volume() + " is at epoch " + rec.get().epoch()
                    + " in cluster metadata; epoch " + op.epoch() + " was deposed"));
            return false;
        }
        if (op.epoch() > known) {
            epochs.raise(op.volume(), op.epoch());
        }
        return true;
    }

    /** Every replica operation but a write ({@link #applyWrites}), in its volume's order. */
    private void applyOne(ReplicaOp op, CompletableFuture<DataMessage.Response> reply) throws Exception {
        if (!admitted(op, reply)) {
            return;
        }
        VolumeState st = state(op.volume());
        if (op instanceof Fence f) {
            st.appliedSeq = f.seq();
            reply.complete(new Ok(f.seq()));
            return;
        }
        if (op instanceof DataMessage.RebuildMark k) {
            st.marks.mark(k.mark());
            reply.complete(new Ok(0));
            return;
        }
        if (op instanceof ReplicaReset r) {
            if (engine.find(r.volume()).isPresent()) {
                engine.delete(r.volume());
            }
            engine.create(r.volume(), r.sizeBytes(), r.encrypted());
            st.marks.reset(r.epoch());
            LOG.infof("volume %s: copy reset for a full rebuild (epoch %d)", r.volume(), r.epoch());
            reply.complete(new Ok(0));
            return;
        }
        long seq = seqOf(op);
        if (seq != 0 && seq != st.appliedSeq + 1) {
            reply.complete(new Failure(ErrorCode.BAD_REQUEST, "volume " + op.volume() + ": operation " + seq
                    + " does not follow " + st.appliedSeq + " (a gap: this copy must be resynced)"));
            return;
        }
        Volume vol = openOrCreate(op.volume());
        boolean flushAfter = false;
        switch (op) {
            case ReplicaWrite w -> throw new IllegalStateException("writes are applied by applyWrites");
            case ReplicaTrim t -> {
                vol.trim(t.offset(), t.length());
                written(st, t.offset(), t.length(), vol.blockSize());
                record(st, seq, t.offset(), t.length(), vol.blockSize());
            }
            case ReplicaFlush f -> flushAfter = true;
            case ReplicaSnapshot s -> {
                vol.createSnapshot(s.name());
                st.recent.record(seq, 0, -1);
            }
            case ReplicaDeleteSnapshot s -> {
                vol.deleteSnapshot(s.name());
                st.recent.record(seq, 0, -1);
            }
            case ReplicaRestore s -> {
                vol.restore(s.name());
                st.recent.record(seq, 0, -1);
            }
            case ReplicaExpand e -> {
                if (e.sizeBytes() > vol.sizeBytes()) {
                    vol.expand(e.sizeBytes());
                }
                st.recent.record(seq, 0, -1);
            }
            case Fence f -> throw new IllegalStateException("handled above");
            case DataMessage.RebuildMark k -> throw new IllegalStateException("handled above");
            case ReplicaReset r -> throw new IllegalStateException("handled above");
        }
        if (seq != 0) {
            st.appliedSeq = seq;
        }
        countApplied(st, op.volume(), 1);
        answer(vol, flushAfter, () -> reply.complete(new Ok(seq)), t -> reply.complete(failure(t)));
    }

    private static void written(VolumeState st, long offset, long length, int blockSize) {
        if (length > 0) {
            st.marks.written(offset / blockSize, (offset + length - 1) / blockSize);
        }
    }

    private static void record(VolumeState st, long seq, long offset, long length, int blockSize) {
        if (seq == 0 || length == 0) {
            return;
        }
        long first = offset / blockSize;
        long last = (offset + length - 1) / blockSize;
        st.recent.record(seq, first, (int) Math.min(Integer.MAX_VALUE, last - first + 1));
    }

    private static long seqOf(ReplicaOp op) {
        return switch (op) {
            case ReplicaWrite w -> w.seq();
            case ReplicaTrim t -> t.seq();
            case ReplicaSnapshot s -> s.seq();
            case ReplicaDeleteSnapshot s -> s.seq();
            case ReplicaRestore s -> s.seq();
            case ReplicaExpand e -> e.seq();
            case ReplicaFlush f -> 0;
            case Fence f -> 0;
            case DataMessage.RebuildMark k -> 0;
            case ReplicaReset r -> 0;
        };
    }

    /**
     * The local copy. A copy is created only when its volume is created (the storage watcher) or by a rebuild's reset,
     * never by a write: a copy that vanished must be rebuilt, not silently restarted empty. A just-created volume's
     * copy may lag its first write by a moment, hence the short wait.
     */
    private Volume openOrCreate(UUID id) throws IOException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            Optional<Volume> v = engine.find(id);
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new NoSuchVolume("volume " + id + " has no copy on node " + nodeId);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NoSuchVolume("interrupted");
            }
        }
    }

    CompletionStage<DataMessage.Response> status(StatusRequest r) {
        return ordered(r.volume(), reply -> reply.complete(new Status(appliedSeq(r.volume()), epochs.get(r.volume()), incarnation,
                engine.find(r.volume()).isPresent())));
    }

    /** Reads this copy, after every operation that arrived before the request. */
    CompletionStage<DataMessage.Response> blockRead(BlockRead r) {
        return ordered(r.volume(), reply -> {
            Volume vol = engine.find(r.volume()).orElseThrow(() -> new NoSuchVolume("volume " + r.volume() + " has no copy here"));
            ByteBuffer dst = ByteBuffer.allocate(r.length());
            vol.read(r.offset(), dst);
            reply.complete(new Data(dst.array()));
        });
    }

    CompletionStage<DataMessage.Response> checksums(ChecksumRequest r) {
        return ordered(r.volume(), reply -> {
            Volume vol = engine.find(r.volume()).orElseThrow(() -> new NoSuchVolume("volume " + r.volume() + " has no copy here"));
            reply.complete(new Checksums(blockChecksums(vol, r.firstBlock(), r.count())));
        });
    }

    /** CRC32C of each block's content; a block that fails its own stored checksum reports 0 and a log line. */
    static int[] blockChecksums(Volume vol, long firstBlock, int count) throws IOException {
        int bs = vol.blockSize();
        long blocks = vol.sizeBytes() / bs;
        int n = (int) Math.max(0, Math.min(count, blocks - firstBlock));
        int[] crcs = new int[n];
        ByteBuffer buf = ByteBuffer.allocate(bs);
        for (int i = 0; i < n; i++) {
            buf.clear();
            try {
                vol.readVerified((firstBlock + i) * bs, buf); // scrub looks at the disk, not the decrypted-block cache
                CRC32C c = new CRC32C();
                c.update(buf.flip());
                crcs[i] = (int) c.getValue() | 1;
            } catch (ChecksumMismatchException e) {
                LOG.errorf("volume %s: block %d fails its checksum (found by scrub)", vol.id(), firstBlock + i);
                crcs[i] = 0;
            }
        }
        return crcs;
    }

    /** Drops the per-volume state (and its ordered queue) of volumes that no longer exist. */
    void forgetAllBut(java.util.function.Predicate<UUID> exists) {
        for (UUID id : java.util.List.copyOf(states.keySet())) {
            if (!exists.test(id) && !id.equals(new UUID(0, 0))) {
                // Memory only: the fencing epoch stays on disk (metadata may merely be behind at start).
                VolumeState s = states.remove(id);
                withApplied.remove(id);
                if (s != null) {
                    s.ordered.shutdown();
                }
            }
        }
    }

    void forget(UUID volume) {
        VolumeState s = states.remove(volume);
        withApplied.remove(volume);
        if (s != null) {
            s.ordered.shutdown();
        }
        try {
            epochs.forget(volume);
        } catch (IOException e) {
            LOG.debugf("cannot forget epoch of %s: %s", volume, e.getMessage());
        }
    }

    static DataMessage.Response failure(Throwable t) {
        return switch (t) {
            case NoSuchVolume n -> new Failure(ErrorCode.NOT_FOUND, n.getMessage());
            case io.galleonfs.engine.OutOfRangeException o -> new Failure(ErrorCode.BAD_REQUEST, o.getMessage());
            case ChecksumMismatchException c -> new Failure(ErrorCode.CHECKSUM, c.getMessage());
            case io.galleonfs.engine.NoSuchSnapshotException n -> new Failure(ErrorCode.NOT_FOUND, n.getMessage());
            case io.galleonfs.engine.SnapshotExistsException s -> new Failure(ErrorCode.BAD_REQUEST, s.getMessage());
            default -> new Failure(ErrorCode.IO, String.valueOf(t.getMessage()));
        };
    }

    static final class NoSuchVolume extends IOException {
        NoSuchVolume(String message) {
            super(message);
        }
    }

    void close() {
        states.values().forEach(s -> s.ordered.shutdown());
        orderedPool.shutdown(); // queued tasks keep running: a drain already started runs to its end
        flushers.shutdown();
    }
}
