package io.galleonfs.node.replication;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.replication.DataMessage.BlockRead;
import io.galleonfs.node.replication.DataMessage.ChecksumRequest;
import io.galleonfs.node.replication.DataMessage.Checksums;
import io.galleonfs.node.replication.DataMessage.Data;
import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * A primary's integrity work: a block failing its checksum here is fetched from an in-sync replica and rewritten
 * (repair on read), and a scrub compares every allocated block's checksum on every in-sync copy, rewriting divergent
 * replica blocks from the primary after repairing the primary's own.
 */
final class VolumeIntegrity {
    private static final Logger LOG = Logger.getLogger(PrimaryVolume.class);

    private final PrimaryState s;

    VolumeIntegrity(PrimaryState state) {
        this.s = state;
    }

    /**
     * Reads this copy's bytes at {@code offset} into {@code dst}; a block failing its checksum here is first repaired from
     * an in-sync replica (never from a copy that is not in sync), then the range is read again. Throws the checksum
     * error when no in-sync copy could supply a good block. Client reads and catch-ups both read through this.
     */
    void readRepairing(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        try {
            s.local.read(offset, dst);
        } catch (ChecksumMismatchException e) {
            dst.position(start);
            repairRange(offset, dst.remaining());
            s.local.read(offset, dst);
        }
    }

    /** Rewrites every block of the range that fails its checksum here with a healthy replica's copy. */
    void repairRange(long offset, int length) throws IOException {
        int bs = s.blockSize();
        long first = offset / bs;
        long last = (offset + length - 1) / bs;
        ByteBuffer one = ByteBuffer.allocate(bs);
        for (long b = first; b <= last; b++) {
            one.clear();
            try {
                s.local.readVerified(b * bs, one);
            } catch (ChecksumMismatchException bad) {
                repairBlock(b);
            }
        }
    }

    private void repairBlock(long block) throws IOException {
        int bs = s.blockSize();
        s.order.lock();
        try {
            // No write ordered before the replica's copy of the block may land here after it.
            s.localWrites.drain();
            for (ReplicaLink link : s.links.values()) {
                if (link.mode != ReplicaLink.Mode.IN_SYNC) {
                    continue;
                }
                try {
                    Optional<HostPort> addr = s.ctx.dataAddress(link.nodeId);
                    if (addr.isEmpty()) {
                        continue;
                    }
                    Data d = (Data) s.ctx.client().call(addr.get(), new BlockRead(s.id(), block * bs, bs), s.ctx.replicaTimeout());
                    s.local.write(block * bs, ByteBuffer.wrap(d.bytes()), WriteConcern.DURABLE);
                    s.ctx.metrics().repairedBlocks.increment();
                    LOG.warnf("volume %s: block %d failed its checksum here; repaired from the replica on %s", s.record().name(), block,
                            link.nodeId);
                    return;
                } catch (IOException e) {
                    LOG.warnf("volume %s: replica on %s could not supply block %d: %s", s.record().name(), link.nodeId, block,
                            e.getMessage());
                }
            }
        } finally {
            s.order.unlock();
        }
        LOG.errorf("volume %s: block %d fails its checksum and no healthy replica could supply a good copy", s.record().name(), block);
        throw new ChecksumMismatchException(s.id(), block);
    }

    /**
     * Compares every allocated block with each in-sync replica and rewrites divergent replica blocks (and local blocks
     * failing their checksum).
     */
    PrimaryVolume.ScrubReport scrub() throws IOException {
        s.requireServing();
        RoaringBitmap blocks = s.local.allocatedBlocks();
        long checked = 0;
        long repaired = 0;
        PeekableIntIterator it = blocks.getIntIterator();
        int bs = s.blockSize();
        while (it.hasNext()) {
            long firstBlock = Integer.toUnsignedLong(it.next());
            int count = 1;
            while (it.hasNext() && count < ReplicaCatchUp.BATCH_BLOCKS && Integer.toUnsignedLong(it.peekNext()) == firstBlock + count) {
                it.next();
                count++;
            }
            // Before the order lock: a scrub held back by its QoS class must not hold back client writes too.
            s.ctx.throttleBackground("scrub", 1, (long) count * bs);
            s.order.lock();
            try {
                // Compared with the replicas' content at this point of the stream: every write ordered so far applied here.
                s.localWrites.drain();
                int[] mine = ReplicaApplier.blockChecksums(s.local, firstBlock, count);
                for (int i = 0; i < mine.length; i++) {
                    if (mine[i] == 0) {
                        s.order.unlock();
                        try {
                            repairBlock(firstBlock + i);
                        } finally {
                            s.order.lock();
                        }
                        s.localWrites.drain();
                        repaired++;
                        mine[i] = ReplicaApplier.blockChecksums(s.local, firstBlock + i, 1)[0];
                    }
                }
                for (ReplicaLink link : s.links.values()) {
                    if (link.mode != ReplicaLink.Mode.IN_SYNC) {
                        continue;
                    }
                    Optional<HostPort> addr = s.ctx.dataAddress(link.nodeId);
                    if (addr.isEmpty()) {
                        continue;
                    }
                    Checksums theirs = (Checksums) s.ctx.client().call(addr.get(), new ChecksumRequest(s.id(), firstBlock, count),
                            s.ctx.replicaTimeout());
                    for (int i = 0; i < mine.length && i < theirs.crcs().length; i++) {
                        if (theirs.crcs()[i] != mine[i]) {
                            ByteBuffer buf = ByteBuffer.allocate(bs);
                            s.local.read((firstBlock + i) * bs, buf);
                            s.ctx.client().call(addr.get(), new ReplicaWrite(s.id(), s.record().epoch(), 0, (firstBlock + i) * bs, true,
                                    buf.array()), s.ctx.replicaTimeout());
                            s.ctx.metrics().repairedBlocks.increment();
                            LOG.warnf("volume %s: scrub found block %d different on %s; rewritten from the primary", s.record().name(),
                                    firstBlock + i, link.nodeId);
                            repaired++;
                        }
                    }
                }
                checked += count;
            } finally {
                s.order.unlock();
            }
        }
        return new PrimaryVolume.ScrubReport(checked, repaired);
    }
}
