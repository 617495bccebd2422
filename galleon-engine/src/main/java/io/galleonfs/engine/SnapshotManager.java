package io.galleonfs.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Structural changes of one volume's layer tree: snapshot, restore, snapshot deletion and the reclaiming
 * of hidden layers. Each change takes the volume's structure lock exclusively, waits until every journal
 * record of the volume is applied, persists the new descriptor and only then changes the tree.
 */
final class SnapshotManager {
    private static final Logger LOG = Logger.getLogger(SnapshotManager.class);
    private static final int MAX_NAME_BYTES = 255;

    private final VolumeImpl volume;
    private final LayerTree tree;
    private final VolumeMetadata metadata;

    SnapshotManager(VolumeImpl volume) {
        this.volume = volume;
        this.tree = volume.tree;
        this.metadata = volume.metadata;
    }

    SnapshotInfo create(String name) throws IOException {
        validateName(name);
        volume.structure.writeLock().lock();
        try {
            volume.ensureOpen();
            if (tree.visibleSnapshot(name) != null) {
                throw new SnapshotExistsException("snapshot '" + name + "' already exists in volume " + volume.id());
            }
            volume.awaitApplied();
            Layer frozen = tree.live();
            long now = System.currentTimeMillis();
            long newId = metadata.current().nextLayerId();
            metadata.update(d -> {
                List<LayerRecord> records = new ArrayList<>();
                for (LayerRecord r : d.layers()) {
                    records.add(r.id() == frozen.id ? new LayerRecord(r.id(), r.parentId(), now, name, false) : r);
                }
                records.add(new LayerRecord(newId, frozen.id, now, null, false));
                return d.withLayers(newId + 1, newId, records);
            });
            frozen.name = name;
            frozen.createdAtMillis = now;
            Layer next = volume.newLayer(newId, new LayerDelta(volume.encrypted()));
            next.parent = frozen;
            next.createdAtMillis = now;
            next.chainDepth = frozen.chainDepth + 1;
            tree.setLive(next);
            LOG.debugf("volume %s: snapshot '%s' froze layer %d, live layer is now %d", volume.id(), name, frozen.id, newId);
            return info(frozen);
        } finally {
            volume.structure.writeLock().unlock();
        }
    }

    List<SnapshotInfo> list() {
        volume.structure.readLock().lock();
        try {
            return tree.all().stream()
                    .filter(l -> l.name != null && !l.hidden)
                    .sorted(Comparator.comparingLong((Layer l) -> l.createdAtMillis).thenComparingLong(l -> l.id))
                    .map(this::info)
                    .toList();
        } finally {
            volume.structure.readLock().unlock();
        }
    }

    private SnapshotInfo info(Layer l) {
        return new SnapshotInfo(l.name, l.createdAtMillis, l.id, l.delta.dataBlocks() * volume.blockSize);
    }

    /** Hides the snapshot, then waits for the merge thread to merge or drop its layer. */
    void delete(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        volume.structure.writeLock().lock();
        try {
            volume.ensureOpen();
            Layer layer = tree.requireSnapshot(name, volume.id());
            metadata.update(d -> d.mapLayer(layer.id,
                    r -> new LayerRecord(r.id(), r.parentId(), r.createdAtMillis(), null, true)));
            layer.name = null;
            layer.hidden = true;
        } finally {
            volume.structure.writeLock().unlock();
        }
        awaitReclaim(volume.core.maintenance.reclaim(volume));
    }

    void restore(String snapshotName) throws IOException {
        Objects.requireNonNull(snapshotName, "snapshotName");
        volume.structure.writeLock().lock();
        try {
            volume.ensureOpen();
            Layer snapshot = tree.requireSnapshot(snapshotName, volume.id());
            volume.awaitApplied();
            Layer old = tree.live();
            long now = System.currentTimeMillis();
            long newId = metadata.current().nextLayerId();
            metadata.update(d -> {
                List<LayerRecord> records = new ArrayList<>();
                for (LayerRecord r : d.layers()) {
                    if (r.id() != old.id) {
                        records.add(r);
                    }
                }
                records.add(new LayerRecord(newId, snapshot.id, now, null, false));
                return d.withLayers(newId + 1, newId, records);
            });
            Layer next = volume.newLayer(newId, new LayerDelta(volume.encrypted()));
            next.parent = snapshot;
            next.createdAtMillis = now;
            tree.setLive(next);
            dropLayer(old);
            tree.rebuildLiveView();
            LOG.debugf("volume %s restored to snapshot '%s' (layer %d)", volume.id(), snapshotName, snapshot.id);
        } finally {
            volume.structure.writeLock().unlock();
        }
        // Dropping the old live layer may leave a hidden ancestor with a single child: merge it in the background.
        volume.core.maintenance.reclaim(volume);
    }

    private static void awaitReclaim(Future<?> reclaim) throws IOException {
        try {
            reclaim.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while merging a deleted snapshot");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new EngineException("merging a deleted snapshot failed: " + e.getCause(), e.getCause());
        }
    }

    /** Merges or drops hidden layers with at most one child until none is left. Merge thread only. */
    void reclaimHiddenLayers() throws IOException {
        while (!volume.isClosed() && !volume.core.maintenance.stopping()) {
            Layer candidate = null;
            Layer child = null;
            volume.structure.readLock().lock();
            try {
                for (Layer l : tree.all()) {
                    if (l.hidden && !l.dropped) {
                        List<Layer> children = tree.children(l);
                        if (children.size() <= 1) {
                            candidate = l;
                            child = children.isEmpty() ? null : children.getFirst();
                            break;
                        }
                    }
                }
            } finally {
                volume.structure.readLock().unlock();
            }
            if (candidate == null) {
                return;
            }
            if (child == null) {
                dropChildlessHidden(candidate);
            } else {
                new LayerMerger(volume, candidate, child).run();
            }
        }
    }

    private void dropChildlessHidden(Layer layer) throws IOException {
        volume.structure.writeLock().lock();
        try {
            if (volume.isClosed() || layer.dropped || !layer.hidden || !tree.children(layer).isEmpty()) {
                return;
            }
            metadata.update(d -> d.mapLayer(layer.id, r -> null));
            dropLayer(layer);
            LOG.debugf("volume %s: dropped deleted snapshot layer %d (nothing depends on it)", volume.id(), layer.id);
        } finally {
            volume.structure.writeLock().unlock();
        }
    }

    /**
     * Last step of a merge: the child takes over the merged layer's parent and the merged layer goes.
     * Returns false when the tree changed meanwhile (the caller re-evaluates).
     */
    boolean finishMerge(Layer merged, Layer child) throws IOException {
        volume.structure.writeLock().lock();
        try {
            if (volume.isClosed() || merged.dropped || child.dropped || child.parent != merged || !merged.hidden
                    || tree.children(merged).size() != 1) {
                return false;
            }
            volume.awaitApplied();
            long newParent = merged.parent == null ? 0 : merged.parent.id;
            metadata.update(d -> d.mapLayer(child.id, r -> r.withParent(newParent)).mapLayer(merged.id, r -> null));
            child.parent = merged.parent;
            dropLayer(merged);
            tree.rebuildLiveView();
            return true;
        } finally {
            volume.structure.writeLock().unlock();
        }
    }

    /** Removes a layer the persisted descriptor no longer lists. Structure lock held exclusively. */
    private void dropLayer(Layer layer) throws IOException {
        metadata.locked(() -> {
            layer.dropped = true;
            layer.file.delete();
            Files.deleteIfExists(layer.indexPath);
        });
        tree.remove(layer);
        volume.core.space.wake(); // its blocks are free: a writer stalled on a full device retries now
    }

    private static void validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("snapshot name must be non-blank and at most " + MAX_NAME_BYTES
                    + " UTF-8 bytes: '" + name + "'");
        }
    }
}
