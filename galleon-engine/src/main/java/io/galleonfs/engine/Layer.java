package io.galleonfs.engine;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One layer of a volume's layer tree: its delta (blocks it holds), its data file and, for the layer that
 * receives writes, the pending versions not yet applied.
 */
final class Layer {
    final long id;
    /** Index in the volume's slot table; what the resolved map stores (plus one). */
    final int slot;
    final VolumeImpl volume;
    final LayerDelta delta;
    final LayerFile file;
    final Path indexPath;
    final ConcurrentHashMap<Long, PendingBlock> dirty = new ConcurrentHashMap<>();

    volatile Layer parent;
    volatile String name;
    volatile boolean hidden;
    volatile long createdAtMillis;
    /** Position in the live chain (root = 0), -1 when the live view does not read through this layer. */
    volatile int chainDepth = -1;
    volatile boolean dropped;

    Layer(long id, int slot, VolumeImpl volume, LayerDelta delta, Path dir) {
        this.id = id;
        this.slot = slot;
        this.volume = volume;
        this.delta = delta;
        this.file = new LayerFile(dir.resolve(dataFileName(id)));
        this.indexPath = dir.resolve(indexFileName(id));
    }

    static String dataFileName(long id) {
        return "layer-" + id + ".data";
    }

    static String indexFileName(long id) {
        return "layer-" + id + ".idx";
    }

    @Override
    public String toString() {
        return "layer " + id + " of volume " + volume.id();
    }
}
