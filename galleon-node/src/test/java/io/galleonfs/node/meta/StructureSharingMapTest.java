package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StructureSharingMapTest {

    /**
     * Random puts, replacements, removals, re-adds of removed keys, iterator removals and copies against a
     * LinkedHashMap: same entries in the same order, same answers; and every copy left behind keeps exactly the contents
     * it had (a published state must never see later changes).
     */
    @Test
    void behavesAsALinkedHashMapAcrossCopies() {
        behavesAsALinkedHashMapAcrossCopies(3, 400);
    }

    /** Copies after most changes: each copy shares the contents of the one before it. */
    @Test
    void behavesAsALinkedHashMapAcrossFrequentCopies() {
        behavesAsALinkedHashMapAcrossCopies(40, 2000);
    }

    private static void behavesAsALinkedHashMapAcrossCopies(int copyPercent, int keys) {
        Random random = new Random(20261205);
        for (int round = 0; round < 20; round++) {
            StructureSharingMap<Integer, String> map = new StructureSharingMap<>();
            LinkedHashMap<Integer, String> model = new LinkedHashMap<>();
            List<StructureSharingMap<Integer, String>> published = new ArrayList<>();
            List<List<Map.Entry<Integer, String>>> publishedContents = new ArrayList<>();
            for (int step = 0; step < 3000; step++) {
                int key = random.nextInt(keys);
                int op = random.nextInt(100 + copyPercent);
                if (op < 45) {
                    String value = "v" + step;
                    assertEquals(model.put(key, value), map.put(key, value), "put " + key);
                } else if (op < 75) {
                    assertEquals(model.remove(key), map.remove(key), "remove " + key);
                } else if (op < 80) {
                    removeByIterator(map, model, key);
                } else if (op < 100) {
                    assertEquals(model.get(key), map.get(key), "get " + key);
                    assertEquals(model.containsKey(key), map.containsKey(key), "containsKey " + key);
                } else {
                    published.add(map);
                    publishedContents.add(List.copyOf(map.entrySet()));
                    StructureSharingMap<Integer, String> copy = new StructureSharingMap<>();
                    copy.copyFrom(map);
                    map = copy;
                }
                assertEquals(model.size(), map.size());
            }
            assertEquals(List.copyOf(model.entrySet()), List.copyOf(map.entrySet()), "same entries, same order");
            assertEquals(model, map);
            for (int i = 0; i < published.size(); i++) {
                assertEquals(publishedContents.get(i), List.copyOf(published.get(i).entrySet()), "copy " + i + " unchanged");
            }
        }
    }

    @Test
    void aRemovedKeyThatComesBackGoesToTheEndAsInALinkedHashMap() {
        StructureSharingMap<String, Integer> map = new StructureSharingMap<>(new LinkedHashMap<>(Map.of("a", 1)));
        map.put("b", 2);
        map.put("c", 3);
        StructureSharingMap<String, Integer> copy = new StructureSharingMap<>();
        copy.copyFrom(map);
        copy.put("a", 10);
        assertEquals(List.of("a", "b", "c"), List.copyOf(copy.keySet()), "a replaced value keeps its place");
        copy.remove("a");
        assertNull(copy.get("a"));
        copy.put("a", 11);
        assertEquals(List.of("b", "c", "a"), List.copyOf(copy.keySet()));
        assertEquals(List.of(1, 2, 3), List.copyOf(map.values()), "the original is untouched");
    }

    /** What a metadata listener relies on: touched names every key put or removed since the copy, and only those. */
    @Test
    void touchedNamesTheKeysChangedSinceTheCopy() {
        StructureSharingMap<Integer, Integer> map = new StructureSharingMap<>();
        for (int i = 0; i < 1_000; i++) {
            map.put(i, i);
        }
        StructureSharingMap<Integer, Integer> copy = new StructureSharingMap<>();
        copy.copyFrom(map);
        assertEquals(Set.of(), copy.touched());
        copy.put(5, 50);
        copy.remove(7);
        copy.remove(5_000); // absent: nothing changed
        copy.put(1_000, 1_000);
        Iterator<Map.Entry<Integer, Integer>> it = copy.entrySet().iterator();
        it.next();
        it.remove(); // key 0
        assertEquals(Set.of(0, 5, 7, 1_000), copy.touched());
        assertEquals(1_000, map.size(), "the original keeps its contents");
        assertEquals(5, map.get(5));
        assertEquals(999, copy.size());
        assertNull(copy.get(0));
        assertTrue(copy.containsKey(1_000));
    }

    private static void removeByIterator(StructureSharingMap<Integer, String> map, LinkedHashMap<Integer, String> model, int key) {
        Iterator<Map.Entry<Integer, String>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getKey() == key) {
                it.hasNext(); // a look-ahead between next() and remove() must not change what remove() removes
                it.remove();
                break;
            }
        }
        model.remove(key);
    }
}
