package io.galleonfs.node.replication;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import io.galleonfs.node.volume.VolumeIo;
import io.galleonfs.node.volume.WriteConcernPolicy.Requested;
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
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * A volume on its primary: orders every change (one sequence number each), applies it here and ships it to the
 * replicas in the same order over one connection each, and waits for what the write concern demands. A replica that
 * fails is marked stale in metadata before any write it missed is acknowledged; a replica that answers
 * {@code STALE_EPOCH} proves a newer primary exists, and this one stops serving.
 */
public final class PrimaryVolume implements VolumeIo {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);
    /** Blocks per resync/rebuild batch. */
    static final int BATCH_BLOCKS = 256;
    /** Rebuild batches sent before the oldest one's answers are awaited. */
    static final int REBUILD_WINDOW = 8;
    /** Rebuild batches between flush checkpoints (64 MiB of 4 KiB blocks). */
    static final int FLUSH_EVERY_BATCHES = 64;
    /** How long a replicated or distributed write waits for a reachable copy that is catching up. */
    static final Duration CATCH_UP_WAIT = Duration.ofSeconds(10);
    private static final long RECHECK_NANOS = 100_000_000L;

    private final PrimaryContext ctx;
    private final Volume local;
    private final String self;
    private volatile VolumeRecord record;
    private final ReentrantLock order = new ReentrantLock();
    /** Signalled (under {@code order}) whenever a replica link becomes in sync. */
    private final java.util.concurrent.locks.Condition linkInSync = order.newCondition();
    private long seq;
    private final Map<String, ReplicaLink> links = new LinkedHashMap<>();
    /** The links as a list metrics may read without the order lock (replaced whenever the link set changes). */
    private volatile List<ReplicaLink> linkSnapshot = List.of();
    private volatile String fencedReason;

    PrimaryVolume(PrimaryContext ctx, Volume local, VolumeRecord record, String self, long startSeq) {
        this.ctx = ctx;
        this.local = local;
        this.record = record;
        this.self = self;
        this.seq = startSeq;
    }

    /**
     * Takes over the replica set: asks each replica how far it is, sets its next sequence number and epoch (fencing any
     * older primary there), and decides per replica: in sync, stale with known missed blocks, or rebuild.
     */
    void start() {
        VolumeRecord v = record;
        List<MetaCommand.SetReplicaState> changes = new ArrayList<>();
        order.lock();
        try {
            for (String node : v.replicaNodes()) {
                if (node.equals(self)) {
                    continue;
                }
                ReplicaLink link = new ReplicaLink(node, ReplicaLink.Mode.NEEDS_REBUILD);
                links.put(node, link);
                ReplicaRecord meta = v.replicaState(node);
                link.recordedHealthy = meta.healthy();
                if (!meta.healthy()) {
                    continue;
                }
                Optional<HostPort> addr = ctx.dataAddress(node);
                try {
                    if (addr.isEmpty()) {
                        throw new IOException("no address known");
                    }
                    Status st = (Status) ctx.client().call(addr.get(), new StatusRequest(v.id()), ctx.replicaTimeout());
                    ctx.client().call(addr.get(), new Fence(v.id(), v.epoch(), seq), ctx.replicaTimeout());
                    // A volume nothing was ever written to: its copies are being created empty right now.
                    boolean fresh = v.epoch() == 1 && seq == 0 && st.appliedSeq() == 0 && local.allocatedBlocks().isEmpty();
                    // 0 from a replica process that restarted means unknown, not "applied nothing": it may hold a deposed
                    // primary's writes beyond our sequence, which no delta would undo.
                    boolean known = st.appliedSeq() > 0 || fresh;
                    if ((st.present() || fresh) && known && st.appliedSeq() == seq) {
                        link.mode = ReplicaLink.Mode.IN_SYNC;
                        link.incarnation = st.incarnation();
                    } else {
                        RoaringBitmap missed = st.present() && known && st.appliedSeq() < seq
                                ? ctx.applier().recent(v.id()).blocksBetween(st.appliedSeq(), seq) : null;
                        if (missed != null) {
                            link.mode = ReplicaLink.Mode.STALE;
                            link.dirty = missed;
                        }
                        changes.add(new MetaCommand.SetReplicaState(v.id(), v.epoch(), node, new ReplicaRecord(ReplicaRecord.STALE, 0)));
                    }
                } catch (IOException e) {
                    LOG.warnf("volume %s: replica on %s unreachable at takeover (%s); it will be rebuilt", v.name(), node, e.getMessage());
                    changes.add(new MetaCommand.SetReplicaState(v.id(), v.epoch(), node, new ReplicaRecord(ReplicaRecord.STALE, 0)));
                }
            }
            linkSnapshot = List.copyOf(links.values());
        } finally {
            order.unlock();
        }
        for (MetaCommand.SetReplicaState c : changes) {
            try {
                ctx.commit(c);
                links.get(c.nodeId()).recordedHealthy = false;
            } catch (IOException e) {
                fence("cannot record replica states at takeover: " + e.getMessage());
            }
        }
        LOG.infof("volume %s: primary on this node at epoch %d, seq %d, replicas %s", v.name(), v.epoch(), seq, describeLinks());
    }

    void updateRecord(VolumeRecord v) {
        record = v;
    }

    VolumeRecord record() {
        return record;
    }

    long seq() {
        order.lock();
        try {
            return seq;
        } finally {
            order.unlock();
        }
    }

    /** This node must stop acting as primary (a newer epoch exists, or metadata says so). */
    void fence(String reason) {
        if (fencedReason == null) {
            LOG.warnf("volume %s: no longer serving as primary: %s", record.name(), reason);
        }
        fencedReason = reason;
    }

    boolean fenced() {
        return fencedReason != null;
    }

    private void requireServing() throws IOException {
        String reason = fencedReason;
        if (reason != null) {
            throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY, "this node is no longer the primary of volume '"
                    + record.name() + "': " + reason);
        }
    }

    // ------------------------------------------------------------------ VolumeIo

    @Override
    public UUID id() {
        return local.id();
    }

    @Override
    public String name() {
        return record.name();
    }

    @Override
    public long sizeBytes() {
        return local.sizeBytes();
    }

    @Override
    public boolean waitsForTheNetwork() {
        return record.replicas() > 1;
    }

    @Override
    public int blockSize() {
        return local.blockSize();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        requireServing();
        int start = dst.position();
        try {
            local.read(offset, dst);
        } catch (ChecksumMismatchException e) {
            dst.position(start);
            repairRange(offset, dst.remaining());
            local.read(offset, dst);
        }
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        requireServing();
        local.readSnapshot(snapshot, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        write(offset, src, concern == WriteConcern.DURABLE ? Requested.DURABLE : Requested.ACKNOWLEDGED);
    }

    @Override
    public void write(long offset, ByteBuffer src, Requested level) throws IOException {
        ByteBuffer view = src.slice();
        int length = view.remaining();
        long first = offset / blockSize();
        long last = length == 0 ? first : (offset + length - 1) / blockSize();
        boolean replicaDurable = level == Requested.REPLICATED || level == Requested.DISTRIBUTED;
        ordered(level, first, last, s -> {
            local.write(offset, view.duplicate(), WriteConcern.ACKNOWLEDGED);
            if (!shipsWrites()) {
                // No copy receives writes (one copy, or all stale): the replica message, a copy of the data, is not needed.
                return null;
            }
            byte[] data = new byte[length];
            view.duplicate().get(data);
            return new ReplicaWrite(id(), record.epoch(), s, offset, replicaDurable, data);
        });
        src.position(src.limit());
    }

    /** Whether any replica is sent ordered operations now (under the order lock). */
    private boolean shipsWrites() {
        for (ReplicaLink link : links.values()) {
            if (link.receivesWrites()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void flush() throws IOException {
        requireServing();
        List<Pending> waits = new ArrayList<>();
        order.lock();
        try {
            for (ReplicaLink link : links.values()) {
                if (link.mode == ReplicaLink.Mode.IN_SYNC) {
                    RoaringBitmap flushing = link.unflushed;
                    link.unflushed = new RoaringBitmap();
                    waits.add(new Pending(link, send(link, new ReplicaFlush(id(), record.epoch())), flushing));
                }
            }
        } finally {
            order.unlock();
        }
        local.flush();
        finish(waits, Requested.DURABLE, null);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        long first = offset / blockSize();
        long last = length == 0 ? first : (offset + length - 1) / blockSize();
        ordered(Requested.DURABLE, first, last, s -> {
            local.trim(offset, length);
            return new ReplicaTrim(id(), record.epoch(), s, offset, length);
        });
    }

    public SnapshotInfo createSnapshot(String name) throws IOException {
        SnapshotInfo[] out = new SnapshotInfo[1];
        structural(s -> {
            out[0] = local.createSnapshot(name);
            return new ReplicaSnapshot(id(), record.epoch(), s, name);
        });
        return out[0];
    }

    public void deleteSnapshot(String name) throws IOException {
        structural(s -> {
            local.deleteSnapshot(name);
            return new ReplicaDeleteSnapshot(id(), record.epoch(), s, name);
        });
    }

    public void restore(String name) throws IOException {
        structural(s -> {
            local.restore(name);
            return new ReplicaRestore(id(), record.epoch(), s, name);
        });
    }

    public void expand(long newSize) throws IOException {
        structural(s -> {
            local.expand(newSize);
            return new ReplicaExpand(id(), record.epoch(), s, newSize);
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

    private record Pending(ReplicaLink link, CompletableFuture<DataMessage> reply, RoaringBitmap blocks) {
    }

    /** An operation that changes the content as a whole: replicas that are not in sync can only be rebuilt after it. */
    private void structural(LocalStep step) throws IOException {
        requireServing();
        List<Pending> waits = new ArrayList<>();
        order.lock();
        try {
            long s = seq + 1;
            ReplicaOp op = step.apply(s);
            seq = s;
            ctx.applier().recordOwn(id(), s, 0, -1);
            for (ReplicaLink link : links.values()) {
                if (link.receivesWrites()) {
                    waits.add(new Pending(link, send(link, op), new RoaringBitmap()));
                } else {
                    // Missed a change of the content as a whole: only a rebuild from a reset brings it back.
                    link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                    link.rebuildCursor = -1;
                    link.resetNeeded = true;
                }
            }
        } finally {
            order.unlock();
        }
        finish(waits, Requested.ACKNOWLEDGED, null);
    }

    private void ordered(Requested level, long firstBlock, long lastBlock, LocalStep step) throws IOException {
        requireServing();
        VolumeRecord v = record;
        awaitCopiesCatchingUp(level, v);
        if (level == Requested.DISTRIBUTED) {
            long inSync = inSyncCount();
            if (inSync + 1 < v.replicas()) {
                throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "write concern distributed needs all " + v.replicas()
                        + " copies of volume '" + v.name() + "' healthy, but " + (inSync + 1) + " are");
            }
        }
        List<Pending> waits = new ArrayList<>();
        order.lock();
        try {
            long s = seq + 1;
            ReplicaOp op = step.apply(s);
            seq = s;
            int count = (int) (lastBlock - firstBlock + 1);
            ctx.applier().recordOwn(id(), s, firstBlock, count);
            for (ReplicaLink link : links.values()) {
                switch (link.mode) {
                    case IN_SYNC, REBUILDING -> {
                        RoaringBitmap blocks = RoaringBitmap.bitmapOfRange(firstBlock, lastBlock + 1);
                        // A replica flushes a durable write before answering: only the others can be lost in its crash.
                        if (!(op instanceof ReplicaWrite w && w.durable())) {
                            link.unflushed.add(firstBlock, lastBlock + 1);
                        }
                        waits.add(new Pending(link, send(link, op), blocks));
                    }
                    case STALE -> link.dirty.add(firstBlock, lastBlock + 1);
                    // A rebuild that resumes after its cursor must resend these: they may lie before it.
                    case NEEDS_REBUILD -> link.unflushed.add(firstBlock, lastBlock + 1);
                }
            }
        } finally {
            order.unlock();
        }
        if (level != Requested.ACKNOWLEDGED) {
            local.flush();
        }
        if (ctx.asynchronous(v) && (level == Requested.ACKNOWLEDGED || level == Requested.DURABLE)) {
            // Asynchronous strategy: shipped in order behind the acknowledgement; failures still mark replicas stale.
            ctx.metrics().lagOps.addAndGet(waits.size());
            for (Pending p : waits) {
                p.reply().whenComplete((m, e) -> {
                    ctx.metrics().lagOps.decrementAndGet();
                    if (e != null || m instanceof Failure) {
                        Thread.ofVirtual().start(() -> {
                            try {
                                finish(List.of(p), Requested.ACKNOWLEDGED, null);
                            } catch (IOException ignored) {
                                // recorded by finish (stale mark or fencing)
                            }
                        });
                    }
                });
            }
            recordMisses();
            requireMinimum(v);
            return;
        }
        finish(waits, level, v);
    }

    private CompletableFuture<DataMessage> send(ReplicaLink link, ReplicaOp op) {
        Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
        if (addr.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no data address known for node " + link.nodeId));
        }
        long bytes = op instanceof ReplicaWrite w ? w.data().length : 0;
        link.lagOps.incrementAndGet();
        link.lagBytes.addAndGet(bytes);
        CompletableFuture<DataMessage> reply = ctx.client().send(addr.get(), op, ctx.replicaTimeout());
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
        for (ReplicaLink l : linkSnapshot) {
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
        for (ReplicaLink l : linkSnapshot) {
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
    private void finish(List<Pending> waits, Requested level, VolumeRecord v) throws IOException {
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
                fence(e.getMessage());
                requireServing();
            }
            replicaFailed(p, e);
        } catch (IOException e) {
            replicaFailed(p, e);
        }
        return false;
    }

    private void checkLevel(Requested level, VolumeRecord v, int durableAcks) throws IOException {
        if (level == Requested.REPLICATED && v.replicas() > 1 && durableAcks == 0) {
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "write concern replicated needs a second copy of volume '"
                    + v.name() + "' but no replica acknowledged the write");
        }
        if (level == Requested.DISTRIBUTED && durableAcks + 1 < v.replicas()) {
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
        order.lock();
        try {
            for (ReplicaLink l : links.values()) {
                if ((l.mode == ReplicaLink.Mode.STALE || l.mode == ReplicaLink.Mode.NEEDS_REBUILD) && l.recordedHealthy) {
                    commitState(l, ReplicaRecord.STALE, 0);
                }
            }
        } finally {
            order.unlock();
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
    private void awaitCopiesCatchingUp(Requested level, VolumeRecord v) throws IOException {
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
        order.lock();
        try {
            while (fencedReason == null) {
                long inSync = 0;
                long catchingUp = 0;
                for (ReplicaLink l : links.values()) {
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
                linkInSync.awaitNanos(Math.min(left, RECHECK_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for replicas of volume '" + v.name() + "' to catch up", e);
        } finally {
            order.unlock();
        }
    }

    private long inSyncCount() {
        order.lock();
        try {
            return links.values().stream().filter(l -> l.mode == ReplicaLink.Mode.IN_SYNC).count();
        } finally {
            order.unlock();
        }
    }

    /** Marks a replica stale (or for rebuild) and records it in metadata before the caller acknowledges anything. */
    private void replicaFailed(Pending p, IOException cause) throws IOException {
        ReplicaLink link = p.link();
        boolean changed;
        order.lock();
        try {
            changed = link.receivesWrites();
            if (link.mode == ReplicaLink.Mode.IN_SYNC) {
                link.mode = ReplicaLink.Mode.STALE;
                link.dirty.or(link.unflushed);
                link.dirty.or(p.blocks());
                link.unflushed = new RoaringBitmap();
            } else if (link.mode == ReplicaLink.Mode.REBUILDING) {
                link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                link.unflushed.or(p.blocks());
            } else if (link.mode == ReplicaLink.Mode.STALE) {
                link.dirty.or(p.blocks());
            }
        } finally {
            order.unlock();
        }
        if (changed) {
            LOG.warnf("volume %s: replica on %s failed (%s); marked stale, writes continue without it", record.name(), link.nodeId,
                    cause.getMessage());
            ctx.metrics().staleMarks.increment();
            Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
            // A fresh connection later starts a clean ordered stream after resync; drop whatever is queued on this one.
            addr.ifPresent(a -> ctx.client().disconnect(a));
            commitState(link, ReplicaRecord.STALE, 0);
        }
    }

    private void commitState(ReplicaLink link, String state, int progress) throws IOException {
        VolumeRecord v = record;
        try {
            ctx.commit(new MetaCommand.SetReplicaState(v.id(), v.epoch(), link.nodeId, new ReplicaRecord(state, progress)));
            link.recordedHealthy = ReplicaRecord.HEALTHY.equals(state);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("no longer its primary")) {
                fence(e.getMessage());
            }
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "volume '" + v.name() + "': cannot record that the replica on "
                    + link.nodeId + " is " + state + " (" + e.getMessage() + "); the write is not acknowledged");
        }
    }

    // ------------------------------------------------------------------ repair

    /** Rewrites every block of the range that fails its checksum here with a healthy replica's copy. */
    private void repairRange(long offset, int length) throws IOException {
        int bs = blockSize();
        long first = offset / bs;
        long last = (offset + length - 1) / bs;
        ByteBuffer one = ByteBuffer.allocate(bs);
        for (long b = first; b <= last; b++) {
            one.clear();
            try {
                local.readVerified(b * bs, one);
            } catch (ChecksumMismatchException bad) {
                repairBlock(b);
            }
        }
    }

    private void repairBlock(long block) throws IOException {
        int bs = blockSize();
        order.lock();
        try {
            for (ReplicaLink link : links.values()) {
                if (link.mode != ReplicaLink.Mode.IN_SYNC) {
                    continue;
                }
                try {
                    Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
                    if (addr.isEmpty()) {
                        continue;
                    }
                    Data d = (Data) ctx.client().call(addr.get(), new BlockRead(id(), block * bs, bs), ctx.replicaTimeout());
                    local.write(block * bs, ByteBuffer.wrap(d.bytes()), WriteConcern.DURABLE);
                    ctx.metrics().repairedBlocks.increment();
                    LOG.warnf("volume %s: block %d failed its checksum here; repaired from the replica on %s", record.name(), block,
                            link.nodeId);
                    return;
                } catch (IOException e) {
                    LOG.warnf("volume %s: replica on %s could not supply block %d: %s", record.name(), link.nodeId, block, e.getMessage());
                }
            }
        } finally {
            order.unlock();
        }
        LOG.errorf("volume %s: block %d fails its checksum and no healthy replica could supply a good copy", record.name(), block);
        throw new ChecksumMismatchException(id(), block);
    }

    /**
     * Compares every allocated block with each in-sync replica and rewrites divergent replica blocks (and local blocks
     * failing their checksum). Returns the number of blocks repaired.
     */
    public ScrubReport scrub() throws IOException {
        requireServing();
        RoaringBitmap blocks = local.allocatedBlocks();
        long checked = 0;
        long repaired = 0;
        PeekableIntIterator it = blocks.getIntIterator();
        int bs = blockSize();
        while (it.hasNext()) {
            long firstBlock = Integer.toUnsignedLong(it.next());
            int count = 1;
            while (it.hasNext() && count < BATCH_BLOCKS && Integer.toUnsignedLong(it.peekNext()) == firstBlock + count) {
                it.next();
                count++;
            }
            // Before the order lock: a scrub held back by its QoS class must not hold back client writes too.
            ctx.throttleBackground("scrub", 1, (long) count * bs);
            order.lock();
            try {
                int[] mine;
                try {
                    mine = ReplicaApplier.blockChecksums(local, firstBlock, count);
                } catch (IOException e) {
                    throw e;
                }
                for (int i = 0; i < mine.length; i++) {
                    if (mine[i] == 0) {
                        order.unlock();
                        try {
                            repairBlock(firstBlock + i);
                        } finally {
                            order.lock();
                        }
                        repaired++;
                        mine[i] = ReplicaApplier.blockChecksums(local, firstBlock + i, 1)[0];
                    }
                }
                for (ReplicaLink link : links.values()) {
                    if (link.mode != ReplicaLink.Mode.IN_SYNC) {
                        continue;
                    }
                    Optional<HostPort> addr = ctx.dataAddress(link.nodeId);
                    if (addr.isEmpty()) {
                        continue;
                    }
                    Checksums theirs = (Checksums) ctx.client().call(addr.get(), new ChecksumRequest(id(), firstBlock, count), ctx.replicaTimeout());
                    for (int i = 0; i < mine.length && i < theirs.crcs().length; i++) {
                        if (theirs.crcs()[i] != mine[i]) {
                            ByteBuffer buf = ByteBuffer.allocate(bs);
                            local.read((firstBlock + i) * bs, buf);
                            ctx.client().call(addr.get(), new ReplicaWrite(id(), record.epoch(), 0, (firstBlock + i) * bs, true, buf.array()),
                                    ctx.replicaTimeout());
                            ctx.metrics().repairedBlocks.increment();
                            LOG.warnf("volume %s: scrub found block %d different on %s; rewritten from the primary", record.name(),
                                    firstBlock + i, link.nodeId);
                            repaired++;
                        }
                    }
                }
                checked += count;
            } finally {
                order.unlock();
            }
        }
        return new ScrubReport(checked, repaired);
    }

    public record ScrubReport(long checkedBlocks, long repairedBlocks) {
    }

    // ------------------------------------------------------------------ catching replicas up

    /** One round of catching up replicas that are reachable again; called periodically by the service. */
    void syncReplicas(java.util.function.Predicate<String> reachable) {
        if (fenced()) {
            return;
        }
        List<ReplicaLink> due = new ArrayList<>();
        order.lock();
        try {
            for (ReplicaLink link : links.values()) {
                if (!link.syncing && link.mode != ReplicaLink.Mode.IN_SYNC && reachable.test(link.nodeId)) {
                    link.syncing = true;
                    due.add(link);
                }
            }
        } finally {
            order.unlock();
        }
        for (ReplicaLink link : due) {
            try {
                if (link.mode == ReplicaLink.Mode.STALE) {
                    deltaResync(link);
                } else {
                    rebuild(link);
                }
            } catch (Exception e) {
                LOG.warnf("volume %s: catching up the replica on %s failed: %s; retried later", record.name(), link.nodeId, e.getMessage());
                order.lock();
                try {
                    if (link.mode == ReplicaLink.Mode.REBUILDING) {
                        link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                    }
                } finally {
                    order.unlock();
                }
            } finally {
                order.lock();
                try {
                    link.syncing = false;
                } finally {
                    order.unlock();
                }
            }
        }
    }

    /** Sends only the blocks the replica missed, then lets it rejoin the ordered stream. */
    private void deltaResync(ReplicaLink link) throws IOException {
        HostPort addr = ctx.dataAddress(link.nodeId).orElseThrow(() -> new IOException("no address"));
        VolumeRecord v = record;
        Status st = (Status) ctx.client().call(addr, new StatusRequest(id()), ctx.replicaTimeout());
        if (!st.present()) {
            order.lock();
            try {
                link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
            } finally {
                order.unlock();
            }
            return;
        }
        long before = link.resyncBytes;
        order.lock();
        try {
            // Blocks an earlier, failed attempt sent and never saw flushed there may never have arrived: missed too.
            link.dirty.or(link.unflushed);
            link.unflushed = new RoaringBitmap();
        } finally {
            order.unlock();
        }
        while (true) {
            List<CompletableFuture<DataMessage>> replies = new ArrayList<>();
            order.lock();
            try {
                if (link.mode != ReplicaLink.Mode.STALE) {
                    return;
                }
                if (link.dirty.isEmpty()) {
                    // Nothing missed any more: rejoin the ordered stream at the current sequence number.
                    DataClient.await(ctx.client().send(addr, new Fence(id(), v.epoch(), seq), ctx.replicaTimeout()));
                    link.mode = ReplicaLink.Mode.IN_SYNC;
                    link.incarnation = ctx.incarnation(link.nodeId);
                    // The resync's blocks stay unflushed there until the next flush: lost, and missed, if it crashes first.
                    linkInSync.signalAll();
                    break;
                }
                RoaringBitmap batch = take(link.dirty, BATCH_BLOCKS);
                link.resyncBytes += sendBlocks(addr, batch, replies, v.epoch());
                link.unflushed.or(batch);
            } finally {
                order.unlock();
            }
            for (CompletableFuture<DataMessage> r : replies) {
                DataClient.await(r);
            }
        }
        long sent = link.resyncBytes - before;
        ctx.metrics().resyncBytes.add(sent);
        commitState(link, ReplicaRecord.HEALTHY, 100);
        LOG.infof("volume %s: replica on %s caught up by delta resync (%d bytes sent)", v.name(), link.nodeId, sent);
    }

    /** Copies allocated blocks only to a replica that starts empty, throttled; it receives new writes meanwhile. */
    private void rebuild(ReplicaLink link) throws Exception {
        HostPort addr = ctx.dataAddress(link.nodeId).orElseThrow(() -> new IOException("no address"));
        VolumeRecord v = record;
        RoaringBitmap blocks;
        Status st = (Status) ctx.client().call(addr, new StatusRequest(id()), ctx.replicaTimeout());
        if (link.recordedHealthy) {
            // A rebuild may reset (empty) the copy: metadata must stop calling it healthy first, or a failover could
            // promote an empty copy. Throws, and nothing is touched, while that cannot be recorded.
            commitState(link, ReplicaRecord.STALE, 0);
        }
        long resumeAfter = -1;
        order.lock();
        try {
            RoaringBitmap again = new RoaringBitmap();
            if (link.resetNeeded) {
                resumeAfter = -1;
            } else if (link.rebuildCursor >= 0 && st.present()) {
                // Interrupted in this process: everything up to the cursor was flushed there; what was sent since is resent.
                resumeAfter = link.rebuildCursor;
                again = link.unflushed;
            } else {
                long[] saved = ctx.rebuildCursor(id(), link.nodeId);
                if (saved != null && st.present() && saved[1] == st.incarnation()) {
                    // Interrupted by a clean restart of this node while the replica kept running; resend what was
                    // written since this process started.
                    resumeAfter = saved[0];
                    again = link.unflushed;
                }
            }
            if (resumeAfter < 0) {
                DataClient.await(ctx.client().send(addr, new ReplicaReset(id(), v.epoch(), local.sizeBytes(), local.encrypted()),
                        ctx.replicaTimeout()));
            }
            DataClient.await(ctx.client().send(addr, new Fence(id(), v.epoch(), seq), ctx.replicaTimeout()));
            blocks = local.allocatedBlocks();
            if (resumeAfter >= 0) {
                blocks.remove(0L, resumeAfter + 1);
                blocks.or(again);
                LOG.infof("volume %s: rebuild of the replica on %s resumes after block %d", v.name(), link.nodeId, resumeAfter);
            }
            link.unflushed = new RoaringBitmap();
            link.rebuildCursor = Math.max(resumeAfter, -1);
            link.resetNeeded = false;
            link.mode = ReplicaLink.Mode.REBUILDING;
            link.incarnation = st.incarnation();
            link.progress = 0;
        } finally {
            order.unlock();
        }
        commitState(link, ReplicaRecord.REBUILDING, 0);
        long total = Math.max(1, blocks.getLongCardinality());
        link.rebuildTotalBytes = total * blockSize();
        link.rebuildDoneBytes = 0;
        long done = 0;
        long batches = 0;
        int lastReported = 0;
        long bytes = 0;
        long startNanos = System.nanoTime();
        PeekableIntIterator it = blocks.getIntIterator();
        // Up to REBUILD_WINDOW batches in flight: the copy is bound by bandwidth, not by one round trip per batch.
        java.util.ArrayDeque<List<CompletableFuture<DataMessage>>> inFlight = new java.util.ArrayDeque<>();
        while (it.hasNext() || !inFlight.isEmpty()) {
            if (!it.hasNext() || inFlight.size() >= REBUILD_WINDOW) {
                for (CompletableFuture<DataMessage> r : inFlight.poll()) {
                    DataClient.await(r);
                }
                if (it.hasNext() || !inFlight.isEmpty()) {
                    continue;
                }
                break;
            }
            RoaringBitmap batch = new RoaringBitmap();
            while (it.hasNext() && batch.getCardinality() < BATCH_BLOCKS) {
                batch.add(it.next());
            }
            ctx.throttleRebuild((long) batch.getCardinality() * blockSize());
            List<CompletableFuture<DataMessage>> replies = new ArrayList<>();
            order.lock();
            try {
                if (link.mode != ReplicaLink.Mode.REBUILDING) {
                    throw new IOException("replica left the rebuild");
                }
                bytes += sendBlocks(addr, batch, replies, v.epoch());
            } finally {
                order.unlock();
            }
            inFlight.add(replies);
            done += batch.getCardinality();
            link.rebuildDoneBytes = done * blockSize();
            if (++batches % ctx.rebuildCheckpointBatches() == 0 || !it.hasNext()) {
                checkpointRebuild(link, addr, v, inFlight, batch.last());
            }
            link.progress = (int) (done * 100 / total);
            if (link.progress >= lastReported + 10 && link.progress < 100) {
                lastReported = link.progress;
                commitState(link, ReplicaRecord.REBUILDING, link.progress);
            }
        }
        order.lock();
        try {
            if (link.mode != ReplicaLink.Mode.REBUILDING) {
                throw new IOException("replica left the rebuild");
            }
            DataClient.await(ctx.client().send(addr, new ReplicaFlush(id(), v.epoch()), ctx.replicaTimeout()));
            link.mode = ReplicaLink.Mode.IN_SYNC;
            link.progress = 100;
            link.rebuildCursor = -1;
            linkInSync.signalAll();
        } finally {
            order.unlock();
        }
        ctx.forgetRebuildCursor(id(), link.nodeId);
        ctx.metrics().rebuildBytes.add(bytes);
        commitState(link, ReplicaRecord.HEALTHY, 100);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        LOG.infof("volume %s: replica on %s rebuilt: %d bytes of allocated blocks in %.1f s (%.1f MB/s)", v.name(), link.nodeId,
                bytes, secs, bytes / 1e6 / Math.max(secs, 1e-3));
    }

    /**
     * Makes the replica flush everything sent so far and, once it has, records {@code lastBlock} as copied for good
     * (in memory and on disk), so an interrupted rebuild resumes after it instead of starting over.
     */
    private void checkpointRebuild(ReplicaLink link, HostPort addr, VolumeRecord v,
                                   java.util.ArrayDeque<List<CompletableFuture<DataMessage>>> inFlight, int lastBlock) throws IOException {
        RoaringBitmap flushing;
        CompletableFuture<DataMessage> flushed;
        order.lock();
        try {
            flushing = link.unflushed;
            link.unflushed = new RoaringBitmap();
            flushed = ctx.client().send(addr, new ReplicaFlush(id(), v.epoch()), ctx.replicaTimeout());
        } finally {
            order.unlock();
        }
        try {
            while (!inFlight.isEmpty()) {
                for (CompletableFuture<DataMessage> r : inFlight.poll()) {
                    DataClient.await(r);
                }
            }
            DataClient.await(flushed);
        } catch (IOException e) {
            order.lock();
            try {
                link.unflushed.or(flushing);
            } finally {
                order.unlock();
            }
            throw e;
        }
        long cursor = Integer.toUnsignedLong(lastBlock);
        order.lock();
        try {
            link.rebuildCursor = cursor;
        } finally {
            order.unlock();
        }
        ctx.saveRebuildCursor(id(), link.nodeId, cursor, link.incarnation);
    }

    /** Sends the current content of {@code batch} (called under the order lock): runs of blocks as writes, zero blocks as trims. */
    private long sendBlocks(HostPort addr, RoaringBitmap batch, List<CompletableFuture<DataMessage>> replies, long epoch) throws IOException {
        int bs = blockSize();
        long sent = 0;
        PeekableIntIterator it = batch.getIntIterator();
        while (it.hasNext()) {
            long first = Integer.toUnsignedLong(it.next());
            int count = 1;
            while (it.hasNext() && Integer.toUnsignedLong(it.peekNext()) == first + count) {
                it.next();
                count++;
            }
            ByteBuffer buf = ByteBuffer.allocate(count * bs);
            local.read(first * bs, buf);
            byte[] data = buf.array();
            if (allZero(data)) {
                replies.add(ctx.client().send(addr, new ReplicaTrim(id(), epoch, 0, first * bs, (long) count * bs), ctx.replicaTimeout()));
                sent += 32;
            } else {
                replies.add(ctx.client().send(addr, new ReplicaWrite(id(), epoch, 0, first * bs, false, data), ctx.replicaTimeout()));
                sent += data.length;
            }
        }
        return sent;
    }

    private static boolean allZero(byte[] data) {
        for (byte b : data) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static RoaringBitmap take(RoaringBitmap from, int max) {
        RoaringBitmap out = new RoaringBitmap();
        PeekableIntIterator it = from.getIntIterator();
        while (it.hasNext() && out.getCardinality() < max) {
            out.add(it.next());
        }
        from.andNot(out);
        return out;
    }

    /** Periodic flush of in-sync replicas, which bounds the blocks a replica crash can lose (and so a later delta). */
    void flushReplicas() {
        if (fenced()) {
            return;
        }
        boolean any;
        order.lock();
        try {
            any = links.values().stream().anyMatch(l -> l.mode == ReplicaLink.Mode.IN_SYNC && !l.unflushed.isEmpty());
        } finally {
            order.unlock();
        }
        if (any) {
            try {
                flush();
            } catch (IOException e) {
                LOG.debugf("volume %s: periodic replica flush: %s", record.name(), e.getMessage());
            }
        }
    }

    /**
     * Notices replicas that went away or restarted without a write failing (an idle volume): they go stale, keeping
     * the blocks they may not have made durable as the delta to send when they return.
     */
    void checkLinks(java.util.function.Predicate<String> inView) {
        if (fenced()) {
            return;
        }
        List<ReplicaLink> lost = new ArrayList<>();
        order.lock();
        try {
            for (ReplicaLink link : links.values()) {
                if (link.mode == ReplicaLink.Mode.IN_SYNC && (!inView.test(link.nodeId) || ctx.incarnation(link.nodeId) != link.incarnation)) {
                    link.mode = ReplicaLink.Mode.STALE;
                    link.dirty.or(link.unflushed);
                    link.unflushed = new RoaringBitmap();
                    lost.add(link);
                } else if (link.mode == ReplicaLink.Mode.REBUILDING && ctx.incarnation(link.nodeId) != link.incarnation) {
                    link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                    lost.add(link);
                }
            }
        } finally {
            order.unlock();
        }
        for (ReplicaLink link : lost) {
            LOG.warnf("volume %s: replica on %s is away or restarted; marked stale", record.name(), link.nodeId);
            ctx.metrics().staleMarks.increment();
            try {
                commitState(link, ReplicaRecord.STALE, 0);
            } catch (IOException e) {
                LOG.debugf("volume %s: %s", record.name(), e.getMessage());
            }
        }
    }

    /** Nodes holding copies this primary ships to. */
    java.util.Set<String> replicaNodes() {
        order.lock();
        try {
            return new java.util.HashSet<>(links.keySet());
        } finally {
            order.unlock();
        }
    }

    /** The replica's state for display: state and rebuild progress. */
    public Map<String, ReplicaRecord> linkStates() {
        Map<String, ReplicaRecord> out = new LinkedHashMap<>();
        order.lock();
        try {
            links.values().forEach(l -> out.put(l.nodeId, new ReplicaRecord(l.state(), l.mode == ReplicaLink.Mode.REBUILDING ? l.progress
                    : l.mode == ReplicaLink.Mode.IN_SYNC ? 100 : 0)));
        } finally {
            order.unlock();
        }
        return out;
    }

    /** Bytes sent by delta resyncs to {@code node} so far (SPEC P7). */
    public long resyncBytes(String node) {
        order.lock();
        try {
            ReplicaLink l = links.get(node);
            return l == null ? 0 : l.resyncBytes;
        } finally {
            order.unlock();
        }
    }

    /** A node joined the replica set (move, add) or left it: links follow the newest record. */
    void reconcileLinks() {
        order.lock();
        try {
            VolumeRecord v = record;
            links.keySet().removeIf(n -> !v.replicaNodes().contains(n));
            for (String n : v.replicaNodes()) {
                if (!n.equals(self) && !links.containsKey(n)) {
                    ReplicaLink link = new ReplicaLink(n, ReplicaLink.Mode.NEEDS_REBUILD);
                    link.recordedHealthy = v.replicaState(n).healthy();
                    links.put(n, link);
                }
            }
            linkSnapshot = List.copyOf(links.values());
        } finally {
            order.unlock();
        }
    }

    private String describeLinks() {
        StringBuilder sb = new StringBuilder();
        links.values().forEach(l -> sb.append(l.nodeId, 0, Math.min(8, l.nodeId.length())).append('=').append(l.mode).append(' '));
        return sb.toString().trim();
    }
}
