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
 * changes made since its base, not its size. Every applied Raft entry changes a copy of {@link MetadataState}; with a
 * plain map that copy rebuilt the map of every volume (and its name index) per entry, which with thousands of volumes
 * was half of the Raft apply thread's CPU on every node and grew with the volume count.
 *
 * <p>The contents are an immutable {@code base} shared between copies plus this map's own changes to it: base keys with
 * a new value (they keep their position), base keys removed, and keys added after the base (in insertion order; a
 * removed base key that comes back is one of these, at the end, as in a {@code LinkedHashMap}). A copy shares the base
 * and copies the changes; once the changes grow past a fraction of the base, the copy folds them into a new base
 * instead (one full copy per that many changes). The base is never changed after it is made, so a map that is no longer
 * changed (a published state) can be read, and copied, by any number of threads.
 *
 * <p>Values must not be null. Not thread-safe while it is being changed.
 */
final class OverlayMap<K, V> extends AbstractMap<K, V> {
    private LinkedHashMap<K, V> base;
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

    /** Changes held apart from the shared base; what a copy costs. */
    int changes() {
        return replaced.size() + gone.size() + appended.size();
    }

    /** Folding threshold: a copy may cost up to this many entries before it makes a new base. */
    private static int foldAbove(int baseSize) {
        return 64 + baseSize / 16;
    }

    /**
     * Makes this map's contents (and iteration order) equal to {@code other}'s, sharing its base. {@code other} is only
     * read, so it may be a map that other threads read at the same time.
     */
    void copyFrom(OverlayMap<K, V> other) {
        touched = new HashSet<>();
        if (other.changes() > foldAbove(other.base.size())) {
            LinkedHashMap<K, V> folded = new LinkedHashMap<>(Math.max(16, other.size() * 4 / 3 + 1));
            for (Map.Entry<K, V> e : other.entrySet()) {
                folded.put(e.getKey(), e.getValue());
            }
            base = folded;
            replaced = new HashMap<>();
            gone = new HashSet<>();
            appended = new LinkedHashMap<>();
        } else {
            base = other.base;
            replaced = new HashMap<>(other.replaced);
            gone = new HashSet<>(other.gone);
            appended = new LinkedHashMap<>(other.appended);
        }
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
