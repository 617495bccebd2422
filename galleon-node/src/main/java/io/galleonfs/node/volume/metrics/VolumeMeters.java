package io.galleonfs.node.volume.metrics;

import io.galleonfs.engine.ReadCacheStats;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The meters of the volumes whose I/O entered this node. A meter is created at a volume's first I/O here (so a node
 * exports only the volumes it serves, not every volume of the cluster) and dropped when the volume leaves metadata.
 */
public final class VolumeMeters {

    /** Told when a meter appears or goes, so an exporter can register and remove its series. */
    public interface Listener {
        void added(VolumeMeter meter);

        void removed(VolumeMeter meter);
    }

    private final ConcurrentHashMap<UUID, VolumeMeter> meters = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Function<UUID, ReadCacheStats> readCache = id -> ReadCacheStats.NONE;

    /**
     * Where each tick reads a volume's cumulative read-cache counts (the engine's, for the copy on this node), so the
     * windows carry a per-interval hit ratio. Must be cheap and never block: it runs once a second per meter.
     */
    public void readCacheFrom(Function<UUID, ReadCacheStats> source) {
        this.readCache = source;
    }

    public VolumeMeter meterFor(VolumeRecord v) {
        VolumeMeter existing = meters.get(v.id());
        if (existing != null) {
            return existing;
        }
        boolean[] created = {false};
        VolumeMeter m = meters.computeIfAbsent(v.id(), id -> {
            created[0] = true;
            VolumeMeter fresh = new VolumeMeter(id, v.name());
            // A zero sample at creation, so the first windows include the very I/O that created the meter. Taken before
            // the meter is visible, so the ticker is still the history's only writer afterwards.
            ReadCacheStats c = readCache.apply(id);
            fresh.tick(System.nanoTime(), c.hits(), c.misses());
            return fresh;
        });
        if (created[0]) {
            listeners.forEach(l -> l.added(m));
        }
        return m;
    }

    public Optional<VolumeMeter> find(UUID id) {
        return Optional.ofNullable(meters.get(id));
    }

    public Collection<VolumeMeter> all() {
        return meters.values();
    }

    /** Existing meters are reported to the listener at once, later ones as they appear. */
    public void addListener(Listener listener) {
        listeners.add(listener);
        meters.values().forEach(listener::added);
    }

    /** Drops the meters of volumes no longer in metadata (a metadata listener: cheap, never blocks). */
    public void onMetadata(MetadataState state) {
        if (meters.isEmpty()) {
            return;
        }
        // Per applied entry: look up the few metered volumes instead of building a set of every volume id.
        for (VolumeMeter m : meters.values()) {
            if (state.volume(m.id()).isEmpty() && meters.remove(m.id(), m)) {
                listeners.forEach(l -> l.removed(m));
            }
        }
    }

    /** Drops the meters of volumes not in {@code live}. */
    public void retain(Set<UUID> live) {
        for (VolumeMeter m : meters.values()) {
            if (!live.contains(m.id()) && meters.remove(m.id(), m)) {
                listeners.forEach(l -> l.removed(m));
            }
        }
    }

    /** Takes each meter's per-second sample; called once a second by one thread. */
    public void tick(long nanos) {
        Function<UUID, ReadCacheStats> cache = readCache;
        for (VolumeMeter m : meters.values()) {
            ReadCacheStats c = cache.apply(m.id());
            m.tick(nanos, c.hits(), c.misses());
        }
    }
}
