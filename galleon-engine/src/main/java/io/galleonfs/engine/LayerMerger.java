package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Merges a hidden (deleted-snapshot) layer into its only child, then removes it.
 *
 * <p>Every block the merged layer holds and the child does not is copied into the child as an ordinary
 * journal record (same stored bytes, checksum, sequence and tag, so encrypted blocks are copied without
 * decryption). The child's view does not change: it read those blocks through the merged layer before.
 * A crash at any point is harmless: the layer stays hidden in volume.meta, copies already made are
 * skipped when the merge resumes at the next open, and the layer is only unlinked (descriptor written
 * atomically) after every copy is durable and applied.</p>
 */
final class LayerMerger {
    private static final Logger LOG = Logger.getLogger(LayerMerger.class);

    private final VolumeImpl volume;
    private final Layer merged;
    private final Layer child;

    LayerMerger(VolumeImpl volume, Layer merged, Layer child) {
        this.volume = volume;
        this.merged = merged;
        this.child = child;
    }

    void run() throws IOException {
        RoaringBitmap blocks = new RoaringBitmap();
        merged.delta.forEachPresent((block, state) -> blocks.add((int) block));
        long copied = 0;
        // Bounded so the copies queued between two back-pressure checks stay a few MiB at any block size.
        int batch = Math.clamp((4L << 20) / volume.blockSize, 1, ChunkDirectory.CHUNK_SIZE);
        PeekableIntIterator it = blocks.getIntIterator();
        while (it.hasNext()) {
            volume.core.backPressure.awaitRoom();
            volume.structure.readLock().lock();
            try {
                if (aborted()) {
                    return;
                }
                for (int i = 0; i < batch && it.hasNext(); i++) {
                    if (copyIfAbsent(Integer.toUnsignedLong(it.next()))) {
                        copied++;
                    }
                }
            } finally {
                volume.structure.readLock().unlock();
            }
        }
        volume.core.progress.awaitApplied(volume.lastTicket());
        if (volume.snapshotManager.finishMerge(merged, child)) {
            LOG.infof("volume %s: merged deleted snapshot layer %d into layer %d (%d blocks copied)",
                    volume.id(), merged.id, child.id, copied);
        }
    }

    private boolean aborted() {
        return volume.isClosed() || volume.core.maintenance.stopping() || merged.dropped || child.dropped
                || child.parent != merged;
    }

    /** Structure lock held shared. */
    private boolean copyIfAbsent(long block) throws IOException {
        ReentrantLock lock = volume.stripe(block);
        lock.lock();
        try {
            if (child.delta.state(block) != LayerDelta.ABSENT || child.dirty.containsKey(block)) {
                return false;
            }
            byte state = merged.delta.state(block);
            PendingBlock copy;
            if (state == LayerDelta.ZERO) {
                copy = new PendingBlock(child, block, 0, 0, null, null);
            } else if (state == LayerDelta.DATA) {
                BlockVersion v = merged.delta.version(block);
                ByteBuffer stored = ByteBuffer.allocate(volume.blockSize);
                // Copied verbatim with its recorded checksum: a corrupt block stays detectably corrupt.
                merged.file.read(stored, block * volume.blockSize);
                stored.flip();
                copy = new PendingBlock(child, block, v.seq(), v.crc(), v.tag(), stored);
            } else {
                return false;
            }
            volume.publish(new JournalEntry.Block(copy, JournalCodec.encodeBlock(volume.id(), copy)));
            return true;
        } finally {
            lock.unlock();
        }
    }
}
