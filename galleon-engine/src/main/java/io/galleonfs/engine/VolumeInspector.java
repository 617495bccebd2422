package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/** Read-only views over a volume's layers: scrub (verify), space accounting, blocks worth copying. */
final class VolumeInspector {
    private static final Logger LOG = Logger.getLogger(VolumeInspector.class);

    private final VolumeImpl volume;
    private final LayerTree tree;
    private final int blockSize;

    VolumeInspector(VolumeImpl volume) {
        this.volume = volume;
        this.tree = volume.tree;
        this.blockSize = volume.blockSize;
    }

    VerifyReport verify() throws IOException {
        // Checks what was acknowledged before it: records still in the journal are applied to the layer files first.
        // Otherwise a block just rewritten with good bytes (a repair from a replica) read as bad until the apply thread
        // got to it (a flaky TcpReplicationContractTest).
        volume.awaitApplied();
        List<Layer> layers;
        volume.structure.readLock().lock();
        try {
            volume.ensureOpen();
            layers = List.copyOf(tree.all());
        } finally {
            volume.structure.readLock().unlock();
        }
        TreeSet<Long> bad = new TreeSet<>();
        long checked = 0;
        for (Layer layer : layers) {
            RoaringBitmap blocks = new RoaringBitmap();
            layer.delta.forEachPresent((block, state) -> {
                if (state == LayerDelta.DATA) {
                    blocks.add((int) block);
                }
            });
            PeekableIntIterator it = blocks.getIntIterator();
            while (it.hasNext()) {
                // Shared lock per batch, so a long verify never stalls snapshots for long.
                volume.structure.readLock().lock();
                try {
                    volume.ensureOpen();
                    if (layer.dropped) {
                        break;
                    }
                    for (int i = 0; i < ChunkDirectory.CHUNK_SIZE && it.hasNext(); i++) {
                        long block = Integer.toUnsignedLong(it.next());
                        switch (verifyBlock(layer, block)) {
                            case GOOD -> checked++;
                            case BAD -> {
                                checked++;
                                bad.add(block);
                            }
                            case GONE -> {
                            }
                        }
                    }
                } finally {
                    volume.structure.readLock().unlock();
                }
            }
        }
        if (!bad.isEmpty()) {
            LOG.errorf("verify of volume %s found %d bad blocks: %s", volume.id(), bad.size(), bad);
        }
        return new VerifyReport(checked, new ArrayList<>(bad));
    }

    private enum Outcome { GOOD, BAD, GONE }

    private Outcome verifyBlock(Layer layer, long block) throws IOException {
        ReentrantLock lock = volume.stripe(block);
        lock.lock();
        try {
            BlockVersion v = layer.delta.version(block);
            if (v == null) {
                return Outcome.GONE;
            }
            ByteBuffer stored = Buffers.stored(blockSize);
            layer.file.read(stored, block * blockSize);
            stored.flip();
            if (Checksums.crc32c(stored) != v.crc()) {
                return Outcome.BAD;
            }
            if (volume.cipher() != null) {
                try {
                    volume.cipher().decrypt(block, v.seq(), stored, v.tag(), Buffers.plain(blockSize));
                } catch (ChecksumMismatchException e) {
                    return Outcome.BAD;
                }
            }
            return Outcome.GOOD;
        } finally {
            lock.unlock();
        }
    }

    VolumeUsage usage() {
        volume.structure.readLock().lock();
        try {
            long[] allocated = {0};
            tree.resolved.forEach((block, entry) -> {
                Layer l = tree.bySlot(entry);
                if (l != null && l.delta.state(block) == LayerDelta.DATA) {
                    allocated[0]++;
                }
            });
            long stored = 0;
            int snapshots = 0;
            for (Layer l : tree.all()) {
                stored += l.delta.dataBlocks();
                if (l.name != null && !l.hidden) {
                    snapshots++;
                }
            }
            return new VolumeUsage(volume.sizeBytes(), allocated[0] * blockSize, stored * blockSize, snapshots);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory iteration cannot fail", e);
        } finally {
            volume.structure.readLock().unlock();
        }
    }

    /** Heap held by the volume's block maps: its resolved map and every layer's delta (pending writes excluded). */
    long estimatedHeapBytes() {
        volume.structure.readLock().lock();
        try {
            long bytes = tree.resolved.estimatedHeapBytes();
            for (Layer l : tree.all()) {
                bytes += l.delta.estimatedHeapBytes();
            }
            return bytes;
        } finally {
            volume.structure.readLock().unlock();
        }
    }

    /** Blocks that may hold data in the live view or in a snapshot (a superset: zero blocks may be included). */
    RoaringBitmap candidateBlocks(String snapshotOrNull) throws IOException {
        RoaringBitmap blocks = new RoaringBitmap();
        volume.structure.readLock().lock();
        try {
            volume.ensureOpen();
            if (snapshotOrNull == null) {
                // Pending first: the applier records a block in the layer (and the resolved map) before it drops the
                // pending entry, so a block applied meanwhile is still found in one of the two. The other order can
                // miss it, and a rebuild or clone would then skip an acknowledged block.
                for (Long block : tree.live().dirty.keySet()) {
                    blocks.add(block.intValue());
                }
                tree.resolved.forEach((block, entry) -> blocks.add((int) block));
            } else {
                for (Layer l = tree.requireSnapshot(snapshotOrNull, volume.id()); l != null; l = l.parent) {
                    l.delta.forEachPresent((block, state) -> {
                        if (state == LayerDelta.DATA) {
                            blocks.add((int) block);
                        }
                    });
                }
            }
        } finally {
            volume.structure.readLock().unlock();
        }
        return blocks;
    }

    /**
     * Blocks present in the layers from each snapshot up to (not including) their nearest common ancestor. A block
     * outside these layers resolves to the same layer in both views, so it cannot differ. Pending (dirty) entries of
     * those layers count too: a merge of a deleted snapshot copies into its child through the journal.
     */
    RoaringBitmap changedBlocks(String fromSnapshot, String toSnapshot) throws IOException {
        RoaringBitmap blocks = new RoaringBitmap();
        volume.structure.readLock().lock();
        try {
            volume.ensureOpen();
            Layer from = tree.requireSnapshot(fromSnapshot, volume.id());
            Layer to = tree.requireSnapshot(toSnapshot, volume.id());
            java.util.Set<Layer> fromChain = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Layer l = from; l != null; l = l.parent) {
                fromChain.add(l);
            }
            Layer common = null;
            for (Layer l = to; l != null; l = l.parent) {
                if (fromChain.contains(l)) {
                    common = l;
                    break;
                }
                addPresent(l, blocks);
            }
            for (Layer l = from; l != null && l != common; l = l.parent) {
                addPresent(l, blocks);
            }
        } finally {
            volume.structure.readLock().unlock();
        }
        return blocks;
    }

    /** Blocks whose newest entry in the snapshot's chain is data (a trim in a newer layer hides older data). */
    RoaringBitmap dataBlocks(String snapshot) throws IOException {
        RoaringBitmap seen = new RoaringBitmap();
        RoaringBitmap data = new RoaringBitmap();
        volume.structure.readLock().lock();
        try {
            volume.ensureOpen();
            for (Layer l = tree.requireSnapshot(snapshot, volume.id()); l != null; l = l.parent) {
                l.delta.forEachPresent((block, state) -> {
                    if (seen.checkedAdd((int) block) && state == LayerDelta.DATA) {
                        data.add((int) block);
                    }
                });
            }
        } finally {
            volume.structure.readLock().unlock();
        }
        return data;
    }

    /** Pending entries before the layer's map, for the reason given in {@link #candidateBlocks}. */
    private static void addPresent(Layer layer, RoaringBitmap into) throws IOException {
        for (Long block : layer.dirty.keySet()) {
            into.add(block.intValue());
        }
        layer.delta.forEachPresent((block, state) -> into.add((int) block));
    }
}
