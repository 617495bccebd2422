package io.galleonfs.node.meta;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A map that iterates in insertion order exactly as a {@link LinkedHashMap} does, whose {@link #copyFrom copy} costs the
 * few changes made since the previous copy, not its size. Every applied Raft entry changes a copy of
 * {@link MetadataState}; with a plain map that copy rebuilt the map of every volume (and its name index) per entry, which
 * with thousands of volumes was half of the Raft apply thread's CPU on every node and grew with the volume count.
 *
 * <p>The contents are three layers: a <em>root</em> {@code LinkedHashMap}, a <em>middle</em> layer (changes to the root,
 * itself a frozen {@code OverlayMap} over it) and this map's <em>own</em> changes to what is below: keys below with a new
 * value (they keep their position), keys below removed, and keys added (in insertion order; a removed key that comes
 * back is one of these, at the end, as in a {@code LinkedHashMap}). Root and middle are never changed once made, so
 * copies share them; a copy copies only the own changes, at most {@link #OWN_MAX} of them. When there are more, the
 * copy folds them into a new middle layer (a copy of the middle's changes, every {@code OWN_MAX} or so copies), and
 * once the middle outgrows a fraction of the root, into a new root (a full copy, every {@code root/16} or so changes).
 * With one change per copy and {@code n} entries a copy then costs about {@code OWN_MAX/2 + n/(16*OWN_MAX) + 16} map
 * entries on average, against up to {@code 64 + n/16} when every copy copied all changes to the root (a quarter to a
 * sixth of it at 5,000-10,000 volumes). A map that is no longer changed (a published state) can be read, and copied,
 * by any number of threads.
 *
 * <p>Values must not be null. Not thread-safe while it is being changed.
 */
final class OverlayMap<K, V> extends AbstractMap<K, V> {
    /** What this map's own changes apply to: the root ({@code LinkedHashMap}) or a middle layer over it; never changed. */
    private Map<K, V> base;
    private HashMap<K, V> replaced = new HashMap<>();
    private HashSet<K> gone = new HashSet<>();
    private LinkedHashMap<K, V> appended = new LinkedHashMap<>();
    /** Keys put or removed since this map was made or last copied from another: what changed against that one. */
    private HashSet<K> touched = new HashSet<>();

    OverlayMap() {
        this.base = new LinkedHashMap<>();
    }

    /** A map with {@code base} as its contents; {@code base} must not be changed afterwards. */
    OverlayMap(LinkedHashMap<K, V> base) {
        this.base = Objects.requireNonNull(base);
    }

    /** Own changes a copy takes over as they are; with more, it folds them into the layers below first. */
    static final int OWN_MAX = 32;

    /** This map's own changes (those above the shared layers): what a copy of it costs. */
    int changes() {
        return replaced.size() + gone.size() + appended.size();
    }

    /** Changes held apart from the root, own and middle together (bounded by the folding rule). */
    int changesAboveRoot() {
        return changes() + (base instanceof OverlayMap<K, V> middle ? middle.changes() : 0);
    }

    /** Folding threshold of the middle layer: it may hold up to this many changes to a root of {@code rootSize}. */
    private static int foldAbove(int rootSize) {
        return 64 + rootSize / 16;
    }

    private Map<K, V> root() {
        return base instanceof OverlayMap<K, V> middle ? middle.base : base;
    }

    /**
     * Makes this map's contents (and iteration order) equal to {@code other}'s, sharing its root and middle layer.
     * {@code other} is only read, so it may be a map that other threads read at the same time.
     */
    void copyFrom(OverlayMap<K, V> other) {
        touched = new HashSet<>();
        if (other.changes() <= OWN_MAX) {
            base = other.base;
            replaced = new HashMap<>(other.replaced);
            gone = new HashSet<>(other.gone);
            appended = new LinkedHashMap<>(other.appended);
            return;
        }
        Map<K, V> root = other.root();
        if (other.changesAboveRoot() > foldAbove(root.size())) {
            // The root's entries are copied with LinkedHashMap's own copy (no wrapper per entry, no lookups in the
            // layers' changes), then the layers' changes are replayed on it as middleOf does: same entries, same order.
            // At 75,000 volumes a fold through the layered iterator cost ~27 ms, two thirds of a state copy's CPU.
            LinkedHashMap<K, V> folded = new LinkedHashMap<>(Math.max(16, Math.max(root.size(), other.size()) * 4 / 3 + 1));
            folded.putAll(root);
            if (other.base instanceof OverlayMap<K, V> middle) {
                replay(middle, folded);
            }
            replay(other, folded);
            base = folded;
        } else {
            base = middleOf(other, root);
        }
        replaced = new HashMap<>();
        gone = new HashSet<>();
        appended = new LinkedHashMap<>();
    }

    /**
     * A new middle layer over {@code root} with {@code other}'s contents: {@code other}'s middle layer's changes, then its
     * own replayed on them (removals first: a key removed and added again goes to the end, as it did in {@code other}).
     */
    private static <K, V> OverlayMap<K, V> middleOf(OverlayMap<K, V> other, Map<K, V> root) {
        OverlayMap<K, V> middle = new OverlayMap<>();
        middle.base = root;
        if (other.base instanceof OverlayMap<K, V> below) {
            middle.replaced = new HashMap<>(below.replaced);
            middle.gone = new HashSet<>(below.gone);
            middle.appended = new LinkedHashMap<>(below.appended);
        }
        other.gone.forEach(middle::remove);
        other.replaced.forEach(middle::put);
        other.appended.forEach(middle::put);
        middle.touched = new HashSet<>();
        return middle;
    }

    /** Applies {@code layer}'s own changes to {@code below}, which holds what they were made against. */
    private static <K, V> void replay(OverlayMap<K, V> layer, LinkedHashMap<K, V> below) {
        layer.gone.forEach(below::remove);
        below.putAll(layer.replaced);
        below.putAll(layer.appended);
    }

    @Override
    public V get(Object key) {
        V v = appended.get(key);
        if (v != null) {
            return v;
        }
        if (gone.contains(key)) {
            return null;
        }
        v = replaced.get(key);
        return v != null ? v : base.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return base.size() - gone.size() + appended.size();
    }

    /** Keys put or removed since {@link #copyFrom} (or since this map was made): a superset of those that differ. */
    Set<K> touched() {
        return java.util.Collections.unmodifiableSet(touched);
    }

    @Override
    public V put(K key, V value) {
        Objects.requireNonNull(value, "value");
        touched.add(key);
        if (appended.containsKey(key)) {
            return appended.put(key, value);
        }
        if (!gone.contains(key) && base.containsKey(key)) {
            V old = replaced.put(key, value);
            return old != null ? old : base.get(key);
        }
        appended.put(key, value);
        return null;
    }

    @Override
    public V remove(Object key) {
        if (containsKey(key)) {
            @SuppressWarnings("unchecked")
            K k = (K) key;
            touched.add(k);
        }
        V v = appended.remove(key);
        if (v != null) {
            return v;
        }
        if (gone.contains(key)) {
            return null;
        }
        V inBase = base.get(key);
        if (inBase == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        K k = (K) key;
        gone.add(k);
        V was = replaced.remove(key);
        return was != null ? was : inBase;
    }

    @Override
    public void clear() {
        touched.addAll(keySet());
        base = new LinkedHashMap<>();
        replaced = new HashMap<>();
        gone = new HashSet<>();
        appended = new LinkedHashMap<>();
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return new Entries();
            }

            @Override
            public int size() {
                return OverlayMap.this.size();
            }
        };
    }

    /**
     * Base entries (removed ones skipped, replaced ones with their new value), then the added ones. Only the base part
     * is read ahead (its removals go to {@code gone}, never through the base's iterator), so {@link #remove()} of an
     * added entry can use the added map's own iterator.
     */
    private final class Entries implements Iterator<Map.Entry<K, V>> {
        private final Iterator<Map.Entry<K, V>> inBase = base.entrySet().iterator();
        private final Iterator<Map.Entry<K, V>> added = appended.entrySet().iterator();
        private Map.Entry<K, V> pendingFromBase;
        private boolean baseDone;
        private K last;
        private boolean lastFromBase;

        @Override
        public boolean hasNext() {
            while (!baseDone && pendingFromBase == null) {
                if (!inBase.hasNext()) {
                    baseDone = true;
                    break;
                }
                Map.Entry<K, V> e = inBase.next();
                if (gone.isEmpty() || !gone.contains(e.getKey())) {
                    V v = replaced.isEmpty() ? null : replaced.get(e.getKey());
                    pendingFromBase = new AbstractMap.SimpleImmutableEntry<>(e.getKey(), v != null ? v : e.getValue());
                }
            }
            return pendingFromBase != null || added.hasNext();
        }

        @Override
        public Map.Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Map.Entry<K, V> e;
            if (pendingFromBase != null) {
                e = pendingFromBase;
                pendingFromBase = null;
                lastFromBase = true;
            } else {
                Map.Entry<K, V> a = added.next();
                e = new AbstractMap.SimpleImmutableEntry<>(a.getKey(), a.getValue());
                lastFromBase = false;
            }
            last = e.getKey();
            return e;
        }

        @Override
        public void remove() {
            if (last == null) {
                throw new IllegalStateException();
            }
            touched.add(last);
            if (lastFromBase) {
                gone.add(last);
                replaced.remove(last);
            } else {
                added.remove();
            }
            last = null;
        }
    }
}
