package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Applies committed journal records of one volume to its layers: data file, delta map, resolved map and
 * dirty map. Called by the journal thread, and by recovery before that thread starts (when no live view
 * exists yet, so only the layers are updated).
 */
final class LayerApplier {
    private final VolumeImpl volume;
    private final LayerTree tree;
    private final int blockSize;

    LayerApplier(VolumeImpl volume) {
        this.volume = volume;
        this.tree = volume.tree;
        this.blockSize = volume.blockSize;
    }

    void applyBlock(PendingBlock p) throws IOException {
        Layer layer = p.layer();
        ReentrantLock lock = volume.stripe(p.block());
        lock.lock();
        try {
            if (layer.dropped) {
                return;
            }
            if (p.zero()) {
                layer.delta.setZero(p.block());
            } else {
                layer.file.write(p.stored().duplicate(), p.block() * blockSize);
                layer.delta.setData(p.block(), p.crc(), p.seq(), p.tag());
            }
            noteInLiveView(layer, p.block());
            layer.dirty.remove(p.block(), p);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies versions of adjacent blocks of one layer whose stored bytes, in block order, are {@code data}.
     * The data file is written outside the stripe locks: while a version is pending, readers take it from the
     * dirty map, never from the file, so they cannot see the write in progress.
     */
    void applyRun(Layer layer, List<PendingBlock> run, ByteBuffer data) throws IOException {
        if (layer.dropped) {
            return;
        }
        layer.file.write(data, run.getFirst().block() * blockSize);
        for (PendingBlock p : run) {
            ReentrantLock lock = volume.stripe(p.block());
            lock.lock();
            try {
                if (layer.dropped) {
                    return;
                }
                layer.delta.setData(p.block(), p.crc(), p.seq(), p.tag());
                noteInLiveView(layer, p.block());
                layer.dirty.remove(p.block(), p);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Keeps the resolved map pointing at the newest layer of the live chain holding the block. */
    private void noteInLiveView(Layer layer, long block) {
        int depth = layer.chainDepth;
        if (depth < 0) {
            return;
        }
        if (layer == tree.live()) {
            tree.resolved.set(block, layer.slot + 1);
            return;
        }
        Layer current = tree.bySlot(tree.resolved.get(block));
        if (current == null || current.chainDepth < depth) {
            tree.resolved.set(block, layer.slot + 1);
        }
    }

    void applyTrim(Layer layer, long firstBlock, long count, RoaringBitmap zeroBlocks) throws IOException {
        if (layer.dropped) {
            return;
        }
        long end = firstBlock + count;
        boolean liveView = layer.chainDepth >= 0 && layer == tree.live();
        RoaringBitmap present = new RoaringBitmap();
        layer.delta.forEachPresent(firstBlock, end, (block, state) -> present.add((int) block));
        PeekableIntIterator it = present.getIntIterator();
        while (it.hasNext()) {
            long block = Integer.toUnsignedLong(it.next());
            ReentrantLock lock = volume.stripe(block);
            lock.lock();
            try {
                layer.delta.clear(block);
                if (liveView && tree.resolved.get(block) == layer.slot + 1) {
                    tree.resolved.set(block, 0);
                }
            } finally {
                lock.unlock();
            }
        }
        PeekableIntIterator zi = zeroBlocks.getIntIterator();
        while (zi.hasNext()) {
            long block = Integer.toUnsignedLong(zi.next());
            ReentrantLock lock = volume.stripe(block);
            lock.lock();
            try {
                layer.delta.setZero(block);
                if (liveView) {
                    tree.resolved.set(block, layer.slot + 1);
                }
            } finally {
                lock.unlock();
            }
        }
        NativeIo.punchHole(layer.file.path(), firstBlock * blockSize, count * blockSize);
    }

    /** Replays one journal record during recovery. */
    void replay(Layer layer, JournalCodec.Decoded r) throws IOException {
        switch (r.type()) {
            case JournalCodec.WRITE -> {
                if (r.payload().remaining() != blockSize) {
                    throw new EngineException("journal record for volume " + volume.id() + " has "
                            + r.payload().remaining() + " payload bytes, block size is " + blockSize);
                }
                applyBlock(new PendingBlock(layer, r.block(), r.seq(), r.payloadCrc(),
                        volume.encrypted() ? r.tag() : null, r.payload()));
                volume.metadata.observeSeq(r.seq());
            }
            case JournalCodec.ZERO -> applyBlock(new PendingBlock(layer, r.block(), 0, 0, null, null));
            case JournalCodec.TRIM -> applyTrim(layer, r.block(), r.trimCount(), r.trimZeroBlocks());
            default -> throw new EngineException("unknown journal record type " + r.type() + " for volume " + volume.id());
        }
    }

    /** Checkpoint of one layer: its data file is fsynced, then its index rewritten atomically. */
    void checkpoint(Layer layer) throws IOException {
        volume.metadata.locked(() -> {
            if (layer.dropped) {
                return;
            }
            if (layer.file.force()) {
                volume.core.counters.fsyncs.increment();
            }
            LayerIndexCodec.write(layer.indexPath, layer.id, blockSize, layer.delta);
            volume.core.counters.fsyncs.add(AtomicFiles.FSYNCS_PER_WRITE);
        });
    }
}
