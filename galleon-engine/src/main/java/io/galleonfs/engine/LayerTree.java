package io.galleonfs.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The layers of one volume: id and slot lookup, the live layer, and the resolved map of the live view.
 * Structural changes happen under the volume's exclusive lock while none of its journal records is
 * pending, so they never race with the journal thread's incremental resolved-map updates.
 */
final class LayerTree {
    private final Map<Long, Layer> byId = new ConcurrentHashMap<>();
    private volatile Layer[] slots = new Layer[0];
    private volatile Layer live;
    final ResolvedMap resolved = new ResolvedMap();

    Layer live() {
        return live;
    }

    void setLive(Layer layer) {
        live = layer;
    }

    Layer byId(long id) {
        return byId.get(id);
    }

    /** The layer a resolved-map entry names; null if the slot is free. */
    Layer bySlot(int slotPlusOne) {
        Layer[] s = slots;
        int i = slotPlusOne - 1;
        return i >= 0 && i < s.length ? s[i] : null;
    }

    Collection<Layer> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    int freeSlot() {
        Layer[] s = slots;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == null) {
                return i;
            }
        }
        return s.length;
    }

    void add(Layer layer) {
        Layer[] s = slots;
        Layer[] next = java.util.Arrays.copyOf(s, Math.max(s.length, layer.slot + 1));
        if (next[layer.slot] != null) {
            throw new IllegalStateException("slot " + layer.slot + " already used");
        }
        next[layer.slot] = layer;
        slots = next;
        byId.put(layer.id, layer);
    }

    void remove(Layer layer) {
        byId.remove(layer.id);
        Layer[] next = slots.clone();
        if (layer.slot < next.length && next[layer.slot] == layer) {
            next[layer.slot] = null;
        }
        slots = next;
    }

    List<Layer> children(Layer parent) {
        List<Layer> out = new ArrayList<>(2);
        for (Layer l : byId.values()) {
            if (l.parent == parent) {
                out.add(l);
            }
        }
        return out;
    }

    Layer visibleSnapshot(String name) {
        for (Layer l : byId.values()) {
            if (name.equals(l.name) && !l.hidden) {
                return l;
            }
        }
        return null;
    }

    Layer requireSnapshot(String name, java.util.UUID volume) throws NoSuchSnapshotException {
        Layer l = visibleSnapshot(name);
        if (l == null) {
            throw new NoSuchSnapshotException("volume " + volume + " has no snapshot '" + name + "'");
        }
        return l;
    }

    /** Root-to-live order of the layers the live view reads through. */
    List<Layer> liveChain() {
        List<Layer> chain = new ArrayList<>();
        for (Layer l = live; l != null; l = l.parent) {
            chain.add(l);
        }
        Collections.reverse(chain);
        return chain;
    }

    /** Recomputes chain depths and the resolved map from the layer deltas; O(blocks stored in the chain). */
    void rebuildLiveView() {
        for (Layer l : byId.values()) {
            l.chainDepth = -1;
        }
        List<Layer> chain = liveChain();
        List<LayerDelta> deltas = new ArrayList<>(chain.size());
        int[] entries = new int[chain.size()];
        for (int depth = 0; depth < chain.size(); depth++) {
            Layer l = chain.get(depth);
            l.chainDepth = depth;
            deltas.add(l.delta);
            entries[depth] = l.slot + 1;
        }
        try {
            resolved.rebuild(deltas, entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
