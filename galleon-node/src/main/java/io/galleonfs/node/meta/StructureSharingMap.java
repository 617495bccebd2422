package io.galleonfs.node.meta;

import io.vavr.collection.HashMap;
import io.vavr.collection.TreeMap;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A map that iterates in insertion order exactly as a {@link java.util.LinkedHashMap} does, whose {@link #copyFrom
 * copy} costs nothing: its contents are persistent (a hash array mapped trie from each key to its value and insertion
 * number, and a red-black tree from insertion number to entry), which a copy shares; a change replaces the few nodes on
 * its paths (O(log n)).
 *
 * <p>Why: every applied Raft entry changes a copy of {@link MetadataState}, whose maps hold an entry for every volume.
 * A plain map rebuilt all of them per entry; the layered map that followed (a shared base plus the changes since) still
 * folded its layers once they held 32 changes, which a batched entry of a few dozen creates always did, so at 75,000
 * volumes copying up to 5,000 changes per fold was a large share of the Raft apply threads' CPU (BENCHMARKS.md,
 * "Metadata creates through a follower"). At 75,000 entries a lookup costs ~0.1-0.3 µs (a {@code LinkedHashMap}'s
 * 0.08; pcollections' {@code OrderedPMap}, two binary trees, took 1 µs), an add or a replaced value ~2 µs (both
 * structures change: the tree holds the entries so that a walk over all of them needs no lookup per key).
 *
 * <p>Values must not be null. A map that is no longer changed (a published state) can be read, and copied, by any
 * number of threads; not thread-safe while it is being changed.
 */
final class StructureSharingMap<K, V> extends AbstractMap<K, V> {
    /** A value and the insertion number that places its key in {@link #order}. */
    private record Slot<V>(long order, V value) {
    }

    private HashMap<K, Slot<V>> byKey = HashMap.empty();
    private TreeMap<Long, Map.Entry<K, V>> order = TreeMap.empty();
    /** Insertion number of the next new key: only grows, so a removed key that comes back goes to the end. */
    private long nextOrder;
    /** Keys put or removed since this map was made or last copied from another: what changed against that one. */
    private HashSet<K> touched = new HashSet<>();

    StructureSharingMap() {
    }

    /** A map with {@code initial}'s entries, in its iteration order. */
    StructureSharingMap(Map<K, V> initial) {
        initial.forEach(this::put);
        touched = new HashSet<>();
    }

    /**
     * Makes this map's contents (and iteration order) equal to {@code other}'s, sharing them. {@code other} is only read,
     * so it may be a map that other threads read at the same time.
     */
    void copyFrom(StructureSharingMap<K, V> other) {
        byKey = other.byKey;
        order = other.order;
        nextOrder = other.nextOrder;
        touched = new HashSet<>();
    }

    /** Keys put or removed since {@link #copyFrom} (or since this map was made): a superset of those that differ. */
    Set<K> touched() {
        return Collections.unmodifiableSet(touched);
    }

    @Override
    public V get(Object key) {
        @SuppressWarnings("unchecked")
        Slot<V> slot = byKey.getOrElse((K) key, null);
        return slot != null ? slot.value() : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return byKey.size();
    }

    @Override
    public V put(K key, V value) {
        Objects.requireNonNull(value, "value");
        touched.add(key);
        Slot<V> old = byKey.getOrElse(key, null);
        long at = old != null ? old.order() : nextOrder++;
        byKey = byKey.put(key, new Slot<>(at, value));
        order = order.put(at, new AbstractMap.SimpleImmutableEntry<>(key, value));
        return old != null ? old.value() : null;
    }

    @Override
    public V remove(Object key) {
        @SuppressWarnings("unchecked")
        K k = (K) key;
        Slot<V> old = byKey.getOrElse(k, null);
        if (old == null) {
            return null;
        }
        touched.add(k);
        byKey = byKey.remove(k);
        order = order.remove(old.order());
        return old.value();
    }

    @Override
    public void clear() {
        touched.addAll(keySet());
        byKey = HashMap.empty();
        order = TreeMap.empty();
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
                return StructureSharingMap.this.size();
            }
        };
    }

    /**
     * The entries as they were when iteration began (the contents are persistent: a change makes new ones), so
     * {@link #remove()} can change this map without disturbing the walk.
     */
    private final class Entries implements Iterator<Map.Entry<K, V>> {
        private final Iterator<Map.Entry<K, V>> walk = order.valuesIterator();
        private K last;

        @Override
        public boolean hasNext() {
            return walk.hasNext();
        }

        @Override
        public Map.Entry<K, V> next() {
            Map.Entry<K, V> e = walk.next();
            last = e.getKey();
            return e;
        }

        @Override
        public void remove() {
            if (last == null) {
                throw new IllegalStateException();
            }
            StructureSharingMap.this.remove(last);
            last = null;
        }
    }
}
