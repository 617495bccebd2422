package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlotPoolTest {
    @Test
    void anObjectGivenBackIsTakenAgainInsteadOfMakingANewOne() {
        AtomicInteger made = new AtomicInteger();
        SlotPool<Object> pool = new SlotPool<>(4, () -> new Object[] {made.incrementAndGet()});
        Object a = pool.take();
        pool.give(a);
        assertSame(a, pool.take());
        assertEquals(1, made.get());
    }

    @Test
    void moreUsersThanSlotsGetNewObjectsAndTheSurplusIsDropped() {
        AtomicInteger made = new AtomicInteger();
        SlotPool<Object> pool = new SlotPool<>(2, () -> new Object[] {made.incrementAndGet()});
        List<Object> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(pool.take());
        }
        assertEquals(5, made.get());
        held.forEach(pool::give);
        Object x = pool.take();
        Object y = pool.take();
        Object z = pool.take();
        assertNotSame(x, y);
        assertEquals(6, made.get(), "two slots kept two of the five; the third take makes one");
        assertTrue(held.contains(x) && held.contains(y) && !held.contains(z));
    }

    @Test
    void slotCountMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new SlotPool<>(3, Object::new));
    }

    @Test
    void noObjectIsHeldByTwoThreadsAtOnce() throws Exception {
        SlotPool<Object> pool = new SlotPool<>(8, Object::new);
        Set<Object> inUse = ConcurrentHashMap.newKeySet();
        AtomicInteger clashes = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    Object o = pool.take();
                    if (!inUse.add(o)) {
                        clashes.incrementAndGet();
                    }
                    inUse.remove(o);
                    pool.give(o);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, clashes.get());
    }
}
