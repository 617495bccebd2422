package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.Data;
import io.galleonfs.node.replication.DataMessage.Fence;
import io.galleonfs.node.replication.DataMessage.RebuildMark;
import io.galleonfs.node.replication.DataMessage.RebuildStateRequest;
import io.galleonfs.node.replication.DataMessage.ReplicaFlush;
import io.galleonfs.node.replication.DataMessage.ReplicaReset;
import io.galleonfs.node.replication.DataMessage.ReplicaTrim;
import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import io.galleonfs.node.replication.DataMessage.Status;
import io.galleonfs.node.replication.DataMessage.StatusRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Brings a primary's copies back in sync: notices copies that went away or restarted while idle, sends a stale copy
 * exactly the blocks it missed (delta resync), and copies the allocated blocks to a copy whose misses are unknown
 * (rebuild: throttled, a window of batches in flight, checkpointed so an interrupted rebuild resumes). The copy keeps
 * receiving new writes meanwhile; both send under the order lock so they interleave correctly with them.
 */
final class ReplicaCatchUp {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);
    /** Blocks per resync/rebuild/scrub batch. */
    static final int BATCH_BLOCKS = 256;
    /** Rebuild batches sent before the oldest one's answers are awaited. */
    static final int REBUILD_WINDOW = 8;

    private final PrimaryState s;
    private final VolumeIntegrity integrity;

    ReplicaCatchUp(PrimaryState state, VolumeIntegrity integrity) {
        this.s = state;
        this.integrity = integrity;
    }

    /** One round of catching up replicas that are reachable again; called periodically by the service. */
    void syncReplicas(Predicate<String> reachable) {
        if (s.fenced()) {
            return;
        }
        List<ReplicaLink> due = new ArrayList<>();
        s.order.lock();
        try {
            for (ReplicaLink link : s.links.values()) {
                if (!link.syncing && link.mode != ReplicaLink.Mode.IN_SYNC && reachable.test(link.nodeId)) {
                    link.syncing = true;
                    due.add(link);
                }
            }
        } finally {
            s.order.unlock();
        }
        for (ReplicaLink link : due) {
            try {
                if (link.mode == ReplicaLink.Mode.STALE) {
                    deltaResync(link);
                } else {
                    rebuild(link);
                }
            } catch (Exception e) {
                LOG.warnf("volume %s: catching up the replica on %s failed: %s; retried later", s.record().name(), link.nodeId,
                        e.getMessage());
                s.order.lock();
                try {
                    if (link.mode == ReplicaLink.Mode.REBUILDING) {
                        link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                    }
                } finally {
                    s.order.unlock();
                }
            } finally {
                s.order.lock();
                try {
                    link.syncing = false;
                } finally {
                    s.order.unlock();
                }
            }
        }
    }

    /**
     * Notices replicas that went away or restarted without a write failing (an idle volume): they go stale, keeping
     * the blocks they may not have made durable as the delta to send when they return.
     */
    void checkLinks(Predicate<String> inView) {
        if (s.fenced()) {
            return;
        }
        List<ReplicaLink> lost = new ArrayList<>();
        s.order.lock();
        try {
            for (ReplicaLink link : s.links.values()) {
                if (link.mode == ReplicaLink.Mode.IN_SYNC && (!inView.test(link.nodeId) || s.ctx.incarnation(link.nodeId) != link.incarnation)) {
                    link.lostWhileInSync();
                    lost.add(link);
                } else if (link.mode == ReplicaLink.Mode.REBUILDING && s.ctx.incarnation(link.nodeId) != link.incarnation) {
                    link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
                    lost.add(link);
                }
            }
        } finally {
            s.order.unlock();
        }
        for (ReplicaLink link : lost) {
            LOG.warnf("volume %s: replica on %s is away or restarted; marked stale", s.record().name(), link.nodeId);
            s.ctx.metrics().staleMarks.increment();
            try {
                s.commitState(link, ReplicaRecord.STALE, 0);
            } catch (IOException e) {
                LOG.debugf("volume %s: %s", s.record().name(), e.getMessage());
            }
        }
    }

    /** Sends only the blocks the replica missed, then lets it rejoin the ordered stream. */
    private void deltaResync(ReplicaLink link) throws IOException {
        HostPort addr = s.ctx.dataAddress(link.nodeId).orElseThrow(() -> new IOException("no address"));
        VolumeRecord v = s.record();
        Status st = (Status) s.ctx.client().call(addr, new StatusRequest(s.id()), s.ctx.replicaTimeout());
        if (!st.present()) {
            s.order.lock();
            try {
                link.mode = ReplicaLink.Mode.NEEDS_REBUILD;
            } finally {
                s.order.unlock();
            }
            return;
        }
        long before = link.resyncBytes;
        s.order.lock();
        try {
            // Blocks an earlier, failed attempt sent and never saw flushed there may never have arrived: missed too.
            link.dirty.or(link.takeUnflushed());
        } finally {
            s.order.unlock();
        }
        while (true) {
            List<CompletableFuture<DataMessage.Response>> replies = new ArrayList<>();
            s.order.lock();
            try {
                if (link.mode != ReplicaLink.Mode.STALE) {
                    return;
                }
                if (link.dirty.isEmpty()) {
                    // Nothing missed any more: rejoin the ordered stream at the current sequence number.
                    DataClient.await(s.ctx.client().send(addr, new Fence(s.id(), v.epoch(), s.seq), s.ctx.replicaTimeout()));
                    link.inSync(s.ctx.incarnation(link.nodeId));
                    // The resync's blocks stay unflushed there until the next flush: lost, and missed, if it crashes first.
                    s.linkInSync.signalAll();
                    break;
                }
                RoaringBitmap batch = take(link.dirty, BATCH_BLOCKS);
                link.resyncBytes += sendBlocks(addr, batch, replies, v.epoch());
                link.unflushed.or(batch);
            } finally {
                s.order.unlock();
            }
            for (CompletableFuture<DataMessage.Response> r : replies) {
                DataClient.await(r);
            }
        }
        long sent = link.resyncBytes - before;
        s.ctx.metrics().resyncBytes.add(sent);
        s.commitState(link, ReplicaRecord.HEALTHY, 100);
        LOG.infof("volume %s: replica on %s caught up by delta resync (%d bytes sent)", v.name(), link.nodeId, sent);
    }

    /** Copies allocated blocks only to a replica that starts empty, throttled; it receives new writes meanwhile. */
    private void rebuild(ReplicaLink link) throws Exception {
        HostPort addr = s.ctx.dataAddress(link.nodeId).orElseThrow(() -> new IOException("no address"));
        VolumeRecord v = s.record();
        RoaringBitmap blocks;
        Status st = (Status) s.ctx.client().call(addr, new StatusRequest(s.id()), s.ctx.replicaTimeout());
        if (link.recordedHealthy) {
            // A rebuild may reset (empty) the copy: metadata must stop calling it healthy first, or a failover could
            // promote an empty copy. Throws, and nothing is touched, while that cannot be recorded.
            s.commitState(link, ReplicaRecord.STALE, 0);
        }
        long resumeAfter = -1;
        s.order.lock();
        try {
            // The allocated blocks below must include every write ordered so far: the writes this copy was not sent
            // (the unflushed blocks) are forgotten here.
            s.localWrites.drain();
            RoaringBitmap again = new RoaringBitmap();
            if (link.resetNeeded) {
                resumeAfter = -1;
            } else if (link.rebuildCursor >= 0 && st.present()) {
                // Interrupted in this process: everything up to the cursor was flushed there; what was sent since is resent.
                resumeAfter = link.rebuildCursor;
                again = link.unflushed;
            } else {
                RebuildCursors.Cursor saved = s.ctx.rebuildCursor(s.id(), link.nodeId);
                RoaringBitmap writtenThere = resumable(saved, st, v, addr, link.nodeId);
                if (writtenThere != null) {
                    // Interrupted by a restart or a crash of this node while the replica kept running: resend what was
                    // written since this process started and, as this copy may have lost writes it never flushed, the
                    // replica's blocks written since the checkpoint.
                    resumeAfter = saved.lastBlock();
                    again = link.unflushed;
                    again.or(writtenThere);
                    link.rebuildResetEpoch = saved.resetEpoch();
                }
            }
            if (resumeAfter < 0) {
                DataClient.await(s.ctx.client().send(addr, new ReplicaReset(s.id(), v.epoch(), s.local.sizeBytes(), s.local.encrypted()),
                        s.ctx.replicaTimeout()));
                link.rebuildResetEpoch = v.epoch();
            }
            DataClient.await(s.ctx.client().send(addr, new Fence(s.id(), v.epoch(), s.seq), s.ctx.replicaTimeout()));
            blocks = s.local.allocatedBlocks();
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
            s.order.unlock();
        }
        s.commitState(link, ReplicaRecord.REBUILDING, 0);
        int bs = s.blockSize();
        long total = Math.max(1, blocks.getLongCardinality());
        link.rebuildTotalBytes = total * bs;
        link.rebuildDoneBytes = 0;
        long done = 0;
        long batches = 0;
        int lastReported = 0;
        long bytes = 0;
        long startNanos = System.nanoTime();
        PeekableIntIterator it = blocks.getIntIterator();
        // Up to REBUILD_WINDOW batches in flight: the copy is bound by bandwidth, not by one round trip per batch.
        ArrayDeque<List<CompletableFuture<DataMessage.Response>>> inFlight = new ArrayDeque<>();
        while (it.hasNext() || !inFlight.isEmpty()) {
            if (!it.hasNext() || inFlight.size() >= REBUILD_WINDOW) {
                for (CompletableFuture<DataMessage.Response> r : inFlight.poll()) {
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
            s.ctx.throttleRebuild((long) batch.getCardinality() * bs);
            List<CompletableFuture<DataMessage.Response>> replies = new ArrayList<>();
            s.order.lock();
            try {
                if (link.mode != ReplicaLink.Mode.REBUILDING) {
                    throw new IOException("replica left the rebuild");
                }
                bytes += sendBlocks(addr, batch, replies, v.epoch());
            } finally {
                s.order.unlock();
            }
            inFlight.add(replies);
            done += batch.getCardinality();
            link.rebuildDoneBytes = done * bs;
            if (++batches % s.ctx.rebuildCheckpointBatches() == 0 || !it.hasNext()) {
                checkpointRebuild(link, addr, v, inFlight, batch.last());
            }
            link.progress = (int) (done * 100 / total);
            if (link.progress >= lastReported + 10 && link.progress < 100) {
                lastReported = link.progress;
                s.commitState(link, ReplicaRecord.REBUILDING, link.progress);
            }
        }
        s.order.lock();
        try {
            if (link.mode != ReplicaLink.Mode.REBUILDING) {
                throw new IOException("replica left the rebuild");
            }
            DataClient.await(s.ctx.client().send(addr, new ReplicaFlush(s.id(), v.epoch()), s.ctx.replicaTimeout()));
            link.inSync(link.incarnation);
            link.progress = 100;
            link.rebuildCursor = -1;
            s.linkInSync.signalAll();
        } finally {
            s.order.unlock();
        }
        s.ctx.forgetRebuildCursor(s.id(), link.nodeId);
        s.ctx.metrics().rebuildBytes.add(bytes);
        s.commitState(link, ReplicaRecord.HEALTHY, 100);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        LOG.infof("volume %s: replica on %s rebuilt: %d bytes of allocated blocks in %.1f s (%.1f MB/s)", v.name(), link.nodeId,
                bytes, secs, bytes / 1e6 / Math.max(secs, 1e-3));
    }

    /**
     * The replica's blocks written since {@code saved}'s checkpoint when the rebuild may resume from it, else null: the
     * volume is still at the epoch of the rebuild's reset (no other primary since), the replica process is the one the
     * blocks were copied to, and it still knows the checkpoint's mark. Called under the order lock.
     */
    private RoaringBitmap resumable(RebuildCursors.Cursor saved, Status st, VolumeRecord v, HostPort addr, String node) throws IOException {
        if (saved == null || !st.present() || saved.incarnation() != st.incarnation() || saved.resetEpoch() != v.epoch()) {
            return null;
        }
        try {
            DataMessage.Response r = s.ctx.client().call(addr, new RebuildStateRequest(s.id(), saved.resetEpoch(), saved.lastBlock()),
                    s.ctx.replicaTimeout());
            if (!(r instanceof Data d)) {
                return null;
            }
            RoaringBitmap blocks = new RoaringBitmap();
            blocks.deserialize(ByteBuffer.wrap(d.bytes()));
            return blocks;
        } catch (DataClient.RemoteException e) {
            LOG.infof("volume %s: the rebuild of the replica on %s starts over: %s", v.name(), node, e.getMessage());
            return null;
        }
    }

    /**
     * Makes the replica flush everything sent so far and, once it has, records {@code lastBlock} as copied for good
     * (in memory and on disk), so an interrupted rebuild resumes after it instead of starting over.
     */
    private void checkpointRebuild(ReplicaLink link, HostPort addr, VolumeRecord v,
                                   ArrayDeque<List<CompletableFuture<DataMessage.Response>>> inFlight, int lastBlock) throws IOException {
        RoaringBitmap flushing;
        CompletableFuture<DataMessage.Response> flushed;
        CompletableFuture<DataMessage.Response> marked;
        s.order.lock();
        try {
            // The local flush after the mark must cover every write ordered before it: the replica only remembers the
            // blocks written after the mark.
            s.localWrites.drain();
            flushing = link.takeUnflushed();
            flushed = s.ctx.client().send(addr, new ReplicaFlush(s.id(), v.epoch()), s.ctx.replicaTimeout());
            marked = s.ctx.client().send(addr, new RebuildMark(s.id(), v.epoch(), Integer.toUnsignedLong(lastBlock)),
                    s.ctx.replicaTimeout());
        } finally {
            s.order.unlock();
        }
        try {
            while (!inFlight.isEmpty()) {
                for (CompletableFuture<DataMessage.Response> r : inFlight.poll()) {
                    DataClient.await(r);
                }
            }
            DataClient.await(flushed);
            DataClient.await(marked);
            // This copy's own writes before the mark must be durable before the cursor claims them: after a crash of this
            // node the replica only knows what was written since the mark.
            s.local.flush();
        } catch (IOException e) {
            s.order.lock();
            try {
                link.unflushed.or(flushing);
            } finally {
                s.order.unlock();
            }
            throw e;
        }
        long cursor = Integer.toUnsignedLong(lastBlock);
        s.order.lock();
        try {
            link.rebuildCursor = cursor;
        } finally {
            s.order.unlock();
        }
        s.ctx.saveRebuildCursor(s.id(), link.nodeId, new RebuildCursors.Cursor(cursor, link.incarnation, link.rebuildResetEpoch));
    }

    /** Sends the current content of {@code batch} (called under the order lock): runs of blocks as writes, zero blocks as trims. */
    private long sendBlocks(HostPort addr, RoaringBitmap batch, List<CompletableFuture<DataMessage.Response>> replies, long epoch) throws IOException {
        // The bytes sent must include every write ordered before them: a write this copy was not sent is only in them.
        s.localWrites.drain();
        int bs = s.blockSize();
        long sent = 0;
        PeekableIntIterator it = batch.getIntIterator();
        while (it.hasNext()) {
            long first = Integer.toUnsignedLong(it.next());
            int count = 1;
            while (it.hasNext() && Integer.toUnsignedLong(it.peekNext()) == first + count) {
                it.next();
                count++;
            }
            // A block failing its checksum here is repaired from an in-sync replica first (never from the copy being
            // caught up): one bad block used to fail every catch-up of a stale replica for good, even with a third copy
            // holding it intact. With no in-sync copy to supply it, the catch-up fails naming the block (retried later).
            ByteBuffer buf = ByteBuffer.allocate(count * bs);
            integrity.readRepairing(first * bs, buf);
            byte[] data = buf.array();
            if (allZero(data)) {
                replies.add(s.ctx.client().send(addr, new ReplicaTrim(s.id(), epoch, 0, first * bs, (long) count * bs), s.ctx.replicaTimeout()));
                sent += 32;
            } else {
                replies.add(s.ctx.client().send(addr, new ReplicaWrite(s.id(), epoch, 0, first * bs, false, data), s.ctx.replicaTimeout()));
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
}
