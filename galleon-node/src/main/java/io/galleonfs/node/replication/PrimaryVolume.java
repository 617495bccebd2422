package io.galleonfs.node.replication;

import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.Volume;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.roaringbitmap.RoaringBitmap;

/**
 * A volume on its primary: orders every change (one sequence number each), applies it here and ships it to the
 * replicas in the same order over one connection each, and waits for what the write concern demands. A replica that
 * fails is marked stale in metadata before any write it missed is acknowledged; a replica that answers
 * {@code STALE_EPOCH} proves a newer primary exists, and this one stops serving. Taking over the replica set
 * ({@link PrimaryTakeover}), catching copies up ({@link ReplicaCatchUp}) and repair and scrub ({@link VolumeIntegrity})
 * are jobs of their own on the same {@link PrimaryState}; this class is the volume's face and its ordering.
 */
public final class PrimaryVolume implements VolumeIo {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);
    /** Rebuild batches between flush checkpoints (64 MiB of 4 KiB blocks). */
    static final int FLUSH_EVERY_BATCHES = 64;
    /** How long a replicated or distributed write waits for a reachable copy that is catching up. */
    static final Duration CATCH_UP_WAIT = Duration.ofSeconds(10);
    private static final long RECHECK_NANOS = 100_000_000L;

    private final PrimaryState s;
    private final PrimaryContext ctx;
    private final Volume local;
    private final ReplicaCatchUp catchUp;
    private final VolumeIntegrity integrity;

    PrimaryVolume(PrimaryContext ctx, Volume local, VolumeRecord record, String self, long startSeq) {
        this.s = new PrimaryState(ctx, local, record, self, startSeq);
        this.ctx = ctx;
        this.local = local;
        this.integrity = new VolumeIntegrity(s);
        this.catchUp = new ReplicaCatchUp(s, integrity);
    }

    /** Takes over the replica set (see {@link PrimaryTakeover}). */
    void start() {
        new PrimaryTakeover(s).run();
    }

    void updateRecord(VolumeRecord v) {
        s.updateRecord(v);
    }

    VolumeRecord record() {
        return s.record();
    }

    /** The last sequence number, once this copy applied every operation up to it (a clean stop saves it). */
    long seq() {
        s.order.lock();
        try {
            s.localWrites.drain();
            return s.seq;
        } finally {
            s.order.unlock();
        }
    }

    /** This node must stop acting as primary (a newer epoch exists, or metadata says so). */
    void fence(String reason) {
        s.fence(reason);
    }

    boolean fenced() {
        return s.fenced();
    }

    /** One round of catching up replicas that are reachable again; called periodically by the service. */
    void syncReplicas(Predicate<String> reachable) {
        catchUp.syncReplicas(reachable);
    }

    /** Marks copies that went away or restarted while idle stale (see {@link ReplicaCatchUp#checkLinks}). */
    void checkLinks(Predicate<String> inView) {
        catchUp.checkLinks(inView);
    }

    /**
     * Compares every allocated block with each in-sync replica and rewrites divergent replica blocks (and local blocks
     * failing their checksum).
     */
    public ScrubReport scrub() throws IOException {
        return integrity.scrub();
    }

    public record ScrubReport(long checkedBlocks, long repairedBlocks) {
    }

    // ------------------------------------------------------------------ VolumeIo

    @Override
    public UUID id() {
        return local.id();
    }

    @Override
    public String name() {
        return s.record().name();
    }

    @Override
    public long sizeBytes() {
        return local.sizeBytes();
    }

    @Override
    public boolean waitsForTheNetwork() {
        return s.record().replicas() > 1;
    }

    @Override
    public int blockSize() {
        return local.blockSize();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        s.requireServing();
        integrity.readRepairing(offset, dst);
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        s.requireServing();
        local.readSnapshot(snapshot, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern level) throws IOException {
        Acknowledgement ack = orderWrite(offset, src, level);
        if (ack != null) {
            finish(ack.waits(), ack.level(), ack.record());
        }
    }

    /**
     * Orders and applies the write here on the calling thread like {@link #write}; the acknowledgement is judged where the
     * last replica's answer arrives ({@link #acknowledgeWhenAnswered}) instead of on this thread, which would otherwise
     * park until then and be woken only to hand the answer on.
     */
    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern level) throws IOException {
        Acknowledgement ack = orderWrite(offset, src, level);
        return ack == null ? CompletableFuture.completedFuture(null) : acknowledgeWhenAnswered(ack);
    }

    private Acknowledgement orderWrite(long offset, ByteBuffer src, WriteConcern level) throws IOException {
        ByteBuffer view = src.slice();
        int length = view.remaining();
        checkRange(offset, length);
        long first = offset / blockSize();
        long last = length == 0 ? first : (offset + length - 1) / blockSize();
        boolean replicaDurable = level.needsDurableReplicas();
        Acknowledgement ack = order(level, first, last, !aligned(offset, length), seqNo -> {
            if (!shipsWrites()) {
                // No copy receives writes (one copy, or all stale): the replica message, a copy of the data, is not needed.
                return null;
            }
            byte[] data = new byte[length];
            view.duplicate().get(data);
            return new ReplicaWrite(id(), s.record().epoch(), seqNo, offset, replicaDurable, data);
        }, () -> local.write(offset, view.duplicate(), WriteConcern.ACKNOWLEDGED.engine()));
        src.position(src.limit());
        return ack;
    }

    /**
     * The engine's range check, before the operation is ordered: this copy applies it only after the replicas were sent
     * it, and a range it refuses must not reach them. A volume only grows, so a range inside it stays inside.
     */
    private void checkRange(long offset, long length) throws OutOfRangeException {
        long size = local.sizeBytes();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new OutOfRangeException("range [" + offset + ", " + (offset + length) + ") is outside volume " + id() + " of "
                    + size + " bytes");
        }
    }

    private boolean aligned(long offset, long length) {
        return offset % blockSize() == 0 && length % blockSize() == 0;
    }

    /** Whether any replica is sent ordered operations now (under the order lock). */
    private boolean shipsWrites() {
        for (ReplicaLink link : s.links.values()) {
            if (link.receivesWrites()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void flush() throws IOException {
        s.requireServing();
        List<Pending> waits = new ArrayList<>();
        s.order.lock();
        try {
            // The local flush below then covers every write ordered before this flush, as each replica's does.
            s.localWrites.drain();
            for (ReplicaLink link : s.links.values()) {
                if (link.mode == ReplicaLink.Mode.IN_SYNC) {
                    waits.add(new Pending(link, send(link, new ReplicaFlush(id(), s.record().epoch())), link.takeUnflushed()));
                }
            }
        } finally {
            s.order.unlock();
        }
        local.flush();
        finish(waits, WriteConcern.DURABLE, null);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        checkRange(offset, length);
        long first = offset / blockSize();
        long last = length == 0 ? first : (offset + length - 1) / blockSize();
        ordered(WriteConcern.DURABLE, first, last, !aligned(offset, length), seqNo -> new ReplicaTrim(id(), s.record().epoch(), seqNo, offset, length),
                () -> local.trim(offset, length));
    }

    public SnapshotInfo createSnapshot(String name) throws IOException {
        SnapshotInfo[] out = new SnapshotInfo[1];
        structural(seqNo -> {
            out[0] = local.createSnapshot(name);
            return new ReplicaSnapshot(id(), s.record().epoch(), seqNo, name);
        });
        return out[0];
    }

    public void deleteSnapshot(String name) throws IOException {
        structural(seqNo -> {
            local.deleteSnapshot(name);
            return new ReplicaDeleteSnapshot(id(), s.record().epoch(), seqNo, name);
        });
    }

    public void restore(String name) throws IOException {
        structural(seqNo -> {
            local.restore(name);
            return new ReplicaRestore(id(), s.record().epoch(), seqNo, name);
        });
    }

    public void expand(long newSize) throws IOException {
        structural(seqNo -> {
            local.expand(newSize);
            return new ReplicaExpand(id(), s.record().epoch(), seqNo, newSize);
        });
    }

    public Volume local() {
        return local;
    }

    // ------------------------------------------------------------------ ordering and acknowledgement

    @FunctionalInterface
    private interface LocalStep {
        /** Applies the operation here; returns what replicas receiving writes get (null only when none does). */
        ReplicaOp apply(long seq) throws IOException;
    }

    /** What a write or trim ships: built under the order lock, null only when no replica receives writes. */
    @FunctionalInterface
    private interface ReplicaStep {
        ReplicaOp op(long seq);
    }

    /** A write or trim of this copy, run outside the order lock in its {@link LocalWrites} turn. */
    @FunctionalInterface
    private interface LocalChange {
        void apply() throws IOException;
    }

    private record Pending(ReplicaLink link, CompletableFuture<DataMessage.Response> reply, RoaringBitmap blocks) {
    }

    /** An operation that changes the content as a whole: replicas that are not in sync can only be rebuilt after it. */
    private void structural(LocalStep step) throws IOException {
        s.requireServing();
        List<Pending> waits = new ArrayList<>();
        s.order.lock();
        try {
            // A snapshot holds, and a restore or expand follows, every write ordered before it, here as on the replicas.
            s.localWrites.drain();
            long next = s.seq + 1;
            ReplicaOp op = step.apply(next);
            s.seq = next;
            ctx.applier().recordOwn(id(), next, 0, -1);
            for (ReplicaLink link : s.links.values()) {
                if (link.receivesWrites()) {
                    waits.add(new Pending(link, send(link, op), new RoaringBitmap()));
                } else {
                    link.missedStructuralChange();
                    // A saved checkpoint would let a restarted primary resume into a copy that lacks this change.
                    ctx.forgetRebuildCursor(id(), link.nodeId);
                }
            }
        } finally {
            s.order.unlock();
        }
        finish(waits, WriteConcern.ACKNOWLEDGED, null);
    }

    /**
     * A write or trim: under the order lock its sequence number, its frames to the replicas (so every replica gets the
     * operations in sequence order) and its turn on its blocks here; then, outside the lock, the change of this copy
     * once the earlier operations on overlapping blocks applied here (see {@link LocalWrites}), so a volume's writes to
     * disjoint blocks reach the engine side by side. Acknowledged only after the change applied here.
     */
    private void ordered(WriteConcern level, long firstBlock, long lastBlock, boolean hereFirst, ReplicaStep ship, LocalChange change)
            throws IOException {
        Acknowledgement ack = order(level, firstBlock, lastBlock, hereFirst, ship, change);
        if (ack != null) {
            finish(ack.waits(), ack.level(), ack.record());
        }
    }

    /** What an ordered write or trim still needs before it is acknowledged: its replicas' answers, judged by {@link #finish}. */
    private record Acknowledgement(List<Pending> waits, WriteConcern level, VolumeRecord record) {
    }

    /**
     * The work of {@link #ordered} up to the replicas' answers; null when nothing is left to wait for (an asynchronous
     * volume's operations are acknowledged without them).
     */
    private Acknowledgement order(WriteConcern level, long firstBlock, long lastBlock, boolean hereFirst, ReplicaStep ship,
                                  LocalChange change) throws IOException {
        s.requireServing();
        VolumeRecord v = s.record();
        awaitCopiesCatchingUp(level, v);
        if (level == WriteConcern.DISTRIBUTED) {
            long inSync = inSyncCount();
            if (inSync + 1 < v.replicas()) {
                throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "write concern distributed needs all " + v.replicas()
                        + " copies of volume '" + v.name() + "' healthy, but " + (inSync + 1) + " are");
            }
        }
        List<Pending> waits = new ArrayList<>();
        LocalWrites.Turn turn = null;
        boolean sent = false;
        s.order.lock();
        try {
            turn = s.localWrites.take(firstBlock, lastBlock);
            if (hereFirst) {
                // Part of a block: the engine reads the rest of it, which can fail (a checksum) where the replicas would
                // succeed, and a copy the primary cannot read back could not be resynced. So applied here before anything
                // is ordered or sent, as every write was before (waiting for a turn under the order lock is safe: a
                // turn never needs it).
                try {
                    turn.awaitTurn();
                    change.apply();
                } finally {
                    turn.release();
                }
            }
            long next = s.seq + 1;
            ReplicaOp op = ship.op(next);
            s.seq = next;
            int count = (int) (lastBlock - firstBlock + 1);
            ctx.applier().recordOwn(id(), next, firstBlock, count);
            // A replica flushes a durable write before answering: only the others can be lost in its crash.
            boolean durableThere = op instanceof ReplicaWrite w && w.durable();
            for (ReplicaLink link : s.links.values()) {
                if (link.ordered(firstBlock, lastBlock, durableThere)) {
                    waits.add(new Pending(link, send(link, op), RoaringBitmap.bitmapOfRange(firstBlock, lastBlock + 1)));
                }
            }
            sent = true;
        } finally {
            s.order.unlock();
            if (!sent && !hereFirst && turn != null) {
                // Ordering failed unexpectedly (the error goes to the caller): a turn left open would hold every later
                // overlapping write and every drain (snapshot, flush) forever.
                turn.release();
            }
        }
        if (!hereFirst) {
            applyHere(turn, change, waits);
        }
        if (level != WriteConcern.ACKNOWLEDGED) {
            local.flush();
        }
        if (ctx.asynchronous(v) && (level == WriteConcern.ACKNOWLEDGED || level == WriteConcern.DURABLE)) {
            // Asynchronous strategy: shipped in order behind the acknowledgement; failures still mark replicas stale.
            ctx.metrics().lagOps.addAndGet(waits.size());
            for (Pending p : waits) {
                p.reply().whenComplete((m, e) -> {
                    ctx.metrics().lagOps.decrementAndGet();
                    if (e != null || m instanceof Failure) {
                        Thread.ofVirtual().start(() -> {
                            try {
                                finish(List.of(p), WriteConcern.ACKNOWLEDGED, null);
                            } catch (IOException ignored) {
                                // recorded by finish (stale mark or fencing)
                            }
                        });
                    }
                });
            }
            recordMisses();
            requireMinimum(v);
            return null;
        }
        return new Acknowledgement(waits, level, v);
    }

    /**
     * The acknowledgement of an ordered operation, completed by the thread that delivers the last replica's answer (a
     * data plane event loop) when {@link #acknowledgedAsIs} finds that {@link #finish} would acknowledge without doing
     * anything else; otherwise {@code finish} runs on a virtual thread of its own (it may commit stale marks through Raft,
     * fence this primary or wait for the order lock) and the future completes with its outcome.
     */
    private CompletableFuture<Void> acknowledgeWhenAnswered(Acknowledgement ack) throws IOException {
        List<Pending> waits = ack.waits();
        if (waits.isEmpty()) {
            // No replica to hear from (one copy, or none in sync): nothing to wait for, and this thread may block.
            finish(waits, ack.level(), ack.record());
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        // Read here, on a thread that may block: the storage class lookup is not the event loop's business.
        int minimum = ctx.minHealthyCopies(ack.record());
        CompletableFuture<?>[] replies = new CompletableFuture<?>[waits.size()];
        for (int i = 0; i < replies.length; i++) {
            replies[i] = waits.get(i).reply();
        }
        CompletableFuture.allOf(replies).whenComplete((ignored, failure) -> {
            boolean asIs;
            try {
                asIs = failure == null && acknowledgedAsIs(ack, minimum);
            } catch (RuntimeException e) {
                asIs = false; // finish decides, and reports what it finds
            }
            if (asIs) {
                done.complete(null);
                return;
            }
            Thread.ofVirtual().name("ack-" + s.record().name()).start(() -> {
                try {
                    finish(waits, ack.level(), ack.record());
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
        });
        return done;
    }

    /**
     * Whether {@link #finish} would acknowledge this operation without recording or refusing anything: every replica
     * answered success from the process it was sent to, no copy this primary stopped shipping to is still recorded
     * healthy, the write concern and the volume's minimum of healthy copies are met. It only looks, under the order
     * lock (which guards the links) when that is free at once, so it never blocks the event loop it may run on; when the
     * lock is taken it says no and {@code finish} decides on a thread of its own.
     */
    private boolean acknowledgedAsIs(Acknowledgement ack, int minimumHealthy) {
        if (!s.order.tryLock()) {
            return false;
        }
        try {
            int durableAcks = 0;
            for (Pending p : ack.waits()) {
                DataMessage.Response answer = p.reply().getNow(null);
                if (answer == null || answer instanceof Failure) {
                    return false;
                }
                ReplicaLink link = p.link();
                if (link.mode == ReplicaLink.Mode.IN_SYNC) {
                    if (ctx.incarnation(link.nodeId) != link.incarnation) {
                        return false; // restarted since it came in sync: finish marks it stale
                    }
                    durableAcks++;
                }
            }
            for (ReplicaLink l : s.links.values()) {
                if ((l.mode == ReplicaLink.Mode.STALE || l.mode == ReplicaLink.Mode.NEEDS_REBUILD) && l.recordedHealthy) {
                    return false; // recordMisses has a stale mark to commit first
                }
            }
            VolumeRecord v = ack.record();
            if (ack.level() == WriteConcern.REPLICATED && v.replicas() > 1 && durableAcks == 0) {
                return false;
            }
            if (ack.level() == WriteConcern.DISTRIBUTED && durableAcks + 1 < v.replicas()) {
                return false;
            }
            return inSyncCount() + 1 >= minimumHealthy;
        } finally {
            s.order.unlock();
        }
    }

    /**
     * Applies a write or trim to this copy in its turn. The replicas were already sent it: if it fails here, every copy
     * that was sent it goes stale with those blocks missed (recorded before this returns), so the catch-up sends them
     * this copy's bytes and the copies converge on the primary's content; the client gets the error (nothing was
     * acknowledged). The turn is over before that handling, which takes the order lock (see {@link LocalWrites}).
     */
    private void applyHere(LocalWrites.Turn turn, LocalChange change, List<Pending> waits) throws IOException {
        Exception failure = null;
        try {
            turn.awaitTurn();
            change.apply();
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            turn.release();
        }
        if (failure == null) {
            return;
        }
        LOG.warnf("volume %s: this copy's own write failed (%s); the replicas sent it go stale and get this copy's blocks back",
                s.record().name(), failure.getMessage());
        IOException missed = new IOException("the primary's own write failed: " + failure.getMessage(), failure);
        for (Pending p : waits) {
            try {
                replicaFailed(p, missed);
            } catch (IOException commit) {
                failure.addSuppressed(commit);
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        throw (RuntimeException) failure;
    }

    private CompletableFuture<DataMessage.Response> send(ReplicaLink link, ReplicaOp op) {
        Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
        if (addr.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no data address known for node " + link.nodeId));
        }
        long bytes = op instanceof ReplicaWrite w ? w.data().length : 0;
        link.lagOps.incrementAndGet();
        link.lagBytes.addAndGet(bytes);
        CompletableFuture<DataMessage.Response> reply = ctx.client().send(addr.get(), op, ctx.replicaTimeout());
        reply.whenComplete((m, e) -> {
            link.lagOps.decrementAndGet();
            link.lagBytes.addAndGet(-bytes);
        });
        return reply;
    }

    /** How far a volume's copies are behind: the slowest healthy replica's unanswered operations and bytes. */
    public record Lag(long operations, long bytes) {
    }

    /** A replica being rebuilt: bytes copied and to copy. */
    public record RebuildProgress(long doneBytes, long totalBytes) {
    }

    /** The slowest in-sync replica's lag (0 without replicas). Lock-free: read by metrics; modes are read racily. */
    public Lag lag() {
        long ops = 0;
        long bytes = 0;
        for (ReplicaLink l : s.linkSnapshot()) {
            if (l.mode == ReplicaLink.Mode.IN_SYNC) {
                ops = Math.max(ops, l.lagOps.get());
                bytes = Math.max(bytes, l.lagBytes.get());
            }
        }
        return new Lag(ops, bytes);
    }

    /** Rebuild progress summed over the replicas being rebuilt now (lock-free, for metrics). */
    public RebuildProgress rebuildProgress() {
        long done = 0;
        long total = 0;
        for (ReplicaLink l : s.linkSnapshot()) {
            if (l.mode == ReplicaLink.Mode.REBUILDING) {
                done += l.rebuildDoneBytes;
                total += l.rebuildTotalBytes;
            }
        }
        return new RebuildProgress(done, total);
    }

    /**
     * Waits for the replicas' answers. A replica that failed goes stale (committed before returning); a STALE_EPOCH
     * answer fences this primary. Then checks that {@code level} is met and that enough healthy copies remain.
     */
    private void finish(List<Pending> waits, WriteConcern level, VolumeRecord v) throws IOException {
        awaitAll(waits);
        int durableAcks = 0;
        // Every failed replica is marked stale even when marking an earlier one failed: one left in sync after missing
        // this operation would never be sent it again.
        IOException firstFailure = null;
        for (Pending p : waits) {
            try {
                if (awaitReply(p)) {
                    durableAcks++;
                }
            } catch (IOException e) {
                firstFailure = firstFailure == null ? e : firstFailure;
            }
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
        if (v == null) {
            return;
        }
        recordMisses();
        checkLevel(level, v, durableAcks);
    }

    /**
     * Waits until every replica answered (or failed) before any answer is looked at: the caller parks once and is woken
     * once, by the last answer, instead of once per replica (each wake-up of a parked thread is a context switch, and
     * at queue depth 1 the write path is a chain of them). Failures are examined afterwards, in order.
     */
    private static void awaitAll(List<Pending> waits) throws IOException {
        if (waits.size() < 2) {
            return;
        }
        CompletableFuture<?>[] replies = new CompletableFuture<?>[waits.size()];
        for (int i = 0; i < replies.length; i++) {
            replies[i] = waits.get(i).reply();
        }
        try {
            CompletableFuture.allOf(replies).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the replicas' answers", e);
        } catch (java.util.concurrent.ExecutionException e) {
            // Some replica failed; awaitReply below handles each one.
        }
    }

    /**
     * One replica's answer: true if it counts as an acknowledgement. A failure marks the replica stale (or fences this
     * primary); throws only if that cannot be recorded (or this primary was deposed).
     */
    private boolean awaitReply(Pending p) throws IOException {
        boolean wasInSync = p.link().mode == ReplicaLink.Mode.IN_SYNC;
        try {
            DataClient.await(p.reply());
            if (ctx.incarnation(p.link().nodeId) != p.link().incarnation && wasInSync) {
                throw new IOException("replica " + p.link().nodeId + " restarted");
            }
            return wasInSync;
        } catch (DataClient.RemoteException e) {
            if (e.code() == ErrorCode.STALE_EPOCH) {
                s.fence(e.getMessage());
                s.requireServing();
            }
            replicaFailed(p, e);
        } catch (IOException e) {
            replicaFailed(p, e);
        }
        return false;
    }

    private void checkLevel(WriteConcern level, VolumeRecord v, int durableAcks) throws IOException {
        if (level == WriteConcern.REPLICATED && v.replicas() > 1 && durableAcks == 0) {
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "write concern replicated needs a second copy of volume '"
                    + v.name() + "' but no replica acknowledged the write");
        }
        if (level == WriteConcern.DISTRIBUTED && durableAcks + 1 < v.replicas()) {
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "write concern distributed needs all " + v.replicas()
                    + " copies of volume '" + v.name() + "' but " + (durableAcks + 1) + " have the write");
        }
        requireMinimum(v);
    }

    /**
     * Before an acknowledgement: a copy this primary no longer ships to must not still be recorded healthy (its stale
     * mark's commit failed, e.g. without a metadata majority), or a failover could promote it without this write.
     * Holds the order lock so that a resync completing meanwhile records {@code healthy} after this mark, not before.
     */
    private void recordMisses() throws IOException {
        s.order.lock();
        try {
            for (ReplicaLink l : s.links.values()) {
                if ((l.mode == ReplicaLink.Mode.STALE || l.mode == ReplicaLink.Mode.NEEDS_REBUILD) && l.recordedHealthy) {
                    s.commitState(l, ReplicaRecord.STALE, 0);
                }
            }
        } finally {
            s.order.unlock();
        }
    }

    private void requireMinimum(VolumeRecord v) throws IOException {
        long healthy = inSyncCount() + 1;
        int min = ctx.minHealthyCopies(v);
        if (healthy < min) {
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "volume '" + v.name() + "' has " + healthy
                    + " healthy cop" + (healthy == 1 ? "y" : "ies") + ", fewer than its minimum of " + min + "; writes are refused");
        }
    }

    /**
     * A write that needs replica acknowledgements waits (bounded by {@link PrimaryContext#catchUpWait}) while the copies it needs
     * are catching up on a reachable node instead of failing at once: right after a failover the surviving replica is
     * usually a few operations behind the promoted one and in sync again within a sync tick. A copy that is down does
     * not make the write wait.
     */
    private void awaitCopiesCatchingUp(WriteConcern level, VolumeRecord v) throws IOException {
        long needed = switch (level) {
            case REPLICATED -> v.replicas() > 1 ? 1 : 0;
            case DISTRIBUTED -> v.replicas() - 1L;
            default -> 0;
        };
        if (needed == 0) {
            return;
        }
        Ticker clock = ctx.ticker();
        long deadline = clock.nanoTime() + ctx.catchUpWait().toNanos();
        s.order.lock();
        try {
            while (!s.fenced()) {
                long inSync = 0;
                long catchingUp = 0;
                for (ReplicaLink l : s.links.values()) {
                    if (l.mode == ReplicaLink.Mode.IN_SYNC) {
                        inSync++;
                    } else if (ctx.nodeUp(l.nodeId)) {
                        catchingUp++;
                    }
                }
                long left = deadline - clock.nanoTime();
                if (inSync >= needed || inSync + catchingUp < needed || left <= 0) {
                    return;
                }
                // Woken when a link comes in sync; re-checked every 100 ms as well, so a copy whose node the view
                // drops meanwhile (a replica that died) ends the wait within a tick instead of at the bound.
                s.linkInSync.awaitNanos(Math.min(left, RECHECK_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for replicas of volume '" + v.name() + "' to catch up", e);
        } finally {
            s.order.unlock();
        }
    }

    private long inSyncCount() {
        s.order.lock();
        try {
            return s.links.values().stream().filter(l -> l.mode == ReplicaLink.Mode.IN_SYNC).count();
        } finally {
            s.order.unlock();
        }
    }

    /** Marks a replica stale (or for rebuild) and records it in metadata before the caller acknowledges anything. */
    private void replicaFailed(Pending p, IOException cause) throws IOException {
        ReplicaLink link = p.link();
        boolean changed;
        s.order.lock();
        try {
            changed = link.failed(p.blocks());
        } finally {
            s.order.unlock();
        }
        if (changed) {
            LOG.warnf("volume %s: replica on %s failed (%s); marked stale, writes continue without it", s.record().name(), link.nodeId,
                    cause.getMessage());
            ctx.metrics().staleMarks.increment();
            Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
            // A fresh connection later starts a clean ordered stream after resync; drop whatever is queued on this one.
            addr.ifPresent(a -> ctx.client().disconnect(a));
            s.commitState(link, ReplicaRecord.STALE, 0);
        }
    }

    /** Periodic flush of in-sync replicas, which bounds the blocks a replica crash can lose (and so a later delta). */
    void flushReplicas() {
        if (s.fenced()) {
            return;
        }
        boolean any;
        s.order.lock();
        try {
            any = s.links.values().stream().anyMatch(l -> l.mode == ReplicaLink.Mode.IN_SYNC && !l.unflushed.isEmpty());
        } finally {
            s.order.unlock();
        }
        if (any) {
            try {
                flush();
            } catch (IOException e) {
                LOG.debugf("volume %s: periodic replica flush: %s", s.record().name(), e.getMessage());
            }
        }
    }

    /** Nodes holding copies this primary ships to. */
    java.util.Set<String> replicaNodes() {
        s.order.lock();
        try {
            return new java.util.HashSet<>(s.links.keySet());
        } finally {
            s.order.unlock();
        }
    }

    /**
     * The nodes this primary has links to, read without the order lock (the tick asks every primary twice a second;
     * with tens of thousands of single-copy primaries the lock and a set each were a tenth of a node's CPU).
     */
    List<ReplicaLink> links() {
        return s.linkSnapshot();
    }

    /** The replica's state for display: state and rebuild progress. */
    public Map<String, ReplicaRecord> linkStates() {
        Map<String, ReplicaRecord> out = new LinkedHashMap<>();
        s.order.lock();
        try {
            s.links.values().forEach(l -> out.put(l.nodeId, new ReplicaRecord(l.state(), l.mode == ReplicaLink.Mode.REBUILDING ? l.progress
                    : l.mode == ReplicaLink.Mode.IN_SYNC ? 100 : 0)));
        } finally {
            s.order.unlock();
        }
        return out;
    }

    /** Bytes sent by delta resyncs to {@code node} so far (SPEC P7). */
    public long resyncBytes(String node) {
        s.order.lock();
        try {
            ReplicaLink l = s.links.get(node);
            return l == null ? 0 : l.resyncBytes;
        } finally {
            s.order.unlock();
        }
    }

    /** A node joined the replica set (move, add) or left it: links follow the newest record. */
    void reconcileLinks() {
        s.order.lock();
        try {
            VolumeRecord v = s.record();
            s.links.keySet().removeIf(n -> !v.replicaNodes().contains(n));
            for (String n : v.replicaNodes()) {
                if (!n.equals(s.self) && !s.links.containsKey(n)) {
                    ReplicaLink link = new ReplicaLink(n, ReplicaLink.Mode.NEEDS_REBUILD);
                    link.recordedHealthy = v.replicaState(n).healthy();
                    s.links.put(n, link);
                }
            }
            s.linksChanged();
        } finally {
            s.order.unlock();
        }
    }

}
