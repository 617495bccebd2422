package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.OutOfSpaceException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogSpaceGuardTest {
    private static final long MIB = 1 << 20;
    private final AtomicLong free = new AtomicLong();
    private final AtomicInteger shortCalls = new AtomicInteger();

    /** Reserve 100 MiB, 8 MiB segments; the probe is read on every admission (sampling is 2 ms: tests sleep never). */
    private LogSpaceGuard guard() {
        return new LogSpaceGuard(free::get, 100 * MIB, 8 * MIB, shortCalls::incrementAndGet);
    }

    @Test
    void plentyOfSpaceAdmitsQuietly() {
        free.set(10_000 * MIB);
        LogSpaceGuard g = guard();
        assertDoesNotThrow(() -> g.admit(4096));
        assertEquals(0, shortCalls.get());
        assertFalse(g.refusing());
    }

    @Test
    void nearTheReserveTheCleanerIsToldAndAtReservePlusOneSegmentWritesAreRefused() throws Exception {
        LogSpaceGuard g = guard();
        free.set(100 * MIB + 4 * 8 * MIB + 4096 - 1); // under reserve + 4 segments after the write
        g.available();
        g.admit(4096);
        assertEquals(1, shortCalls.get(), "space is short: the cleaner is nudged, the write still admitted");
        free.set(100 * MIB + 8 * MIB + 4096 - 1);
        g.available();
        OutOfSpaceException e = assertThrows(OutOfSpaceException.class, () -> g.admit(4096));
        assertTrue(e.getMessage().startsWith("no space left for writes: "), e.getMessage());
        assertTrue(g.refusing());
        free.set(1_000 * MIB); // a delete or the cleaner gave space back
        g.available();
        g.admit(4096);
        assertFalse(g.refusing());
    }

    @Test
    void anUnmeasurableFileSystemAdmits() throws Exception {
        LogSpaceGuard g = new LogSpaceGuard(() -> {
            throw new java.io.IOException("statvfs failed");
        }, 100 * MIB, 8 * MIB, shortCalls::incrementAndGet);
        g.admit(4096);
        assertEquals(0, shortCalls.get());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LogSpaceGuard(free::get, -1, 8 * MIB, () -> { }));
        assertThrows(IllegalArgumentException.class, () -> new LogSpaceGuard(free::get, 0, 0, () -> { }));
    }
}
