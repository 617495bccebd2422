package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundCleanerTest {
    private static final UUID VOL = UUID.fromString("00000000-0000-4000-8000-0000000000c1");
    private static final int BLOCKS = 2048; // 8 MiB live in 1 MiB segments

    @TempDir
    Path dir;

    /** A policy that checks often, so the tests wait on conditions, not on the interval. */
    private static BackgroundCleaner.Policy quick() {
        return new BackgroundCleaner.Policy(1.3, 1.15, 2L << 20, Duration.ofMillis(20), Duration.ZERO);
    }

    private static Map<Long, Long> overwriteThreeTimes(LogStore store, SplittableRandom random) throws IOException {
        Map<Long, Long> version = new HashMap<>();
        for (long b = 0; b < BLOCKS; b++) {
            store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            version.put(b, 1L);
        }
        for (int pass = 2; pass <= 3; pass++) {
            for (int i = 0; i < BLOCKS; i++) {
                long b = random.nextInt(BLOCKS);
                store.write(VOL, b, content(VOL, b, pass), WriteConcern.ACKNOWLEDGED);
                version.put(b, (long) pass);
            }
        }
        return version;
    }

    private static void verify(LogStore store, Map<Long, Long> version) throws IOException {
        for (Map.Entry<Long, Long> e : version.entrySet()) {
            assertArrayEquals(content(VOL, e.getKey(), e.getValue()).array(), read(store, VOL, e.getKey()), "block " + e.getKey());
        }
    }

    @Test
    void aStoreOverwrittenAtRandomIsBroughtBackUnderTheSpaceBarOnItsOwn() throws Exception {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("background cleaner test seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        Map<Long, Long> version;
        try (LogStore store = LogStore.open(config(dir))) {
            version = overwriteThreeTimes(store, new SplittableRandom(seed));
            LogStoreStats before = store.stats();
            assertTrue(before.segmentBytes() > 1.3 * before.liveBytes(), "the overwrites left garbage: " + before);
            try (BackgroundCleaner cleaner = new BackgroundCleaner(store, quick()).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    LogStoreStats s = store.stats();
                    return s.segmentBytes() <= 1.3 * s.liveBytes();
                });
                assertTrue(cleaner.counters().segmentsDeleted() > 0 && cleaner.counters().bytesFreed() > 0, cleaner.counters().toString());
                assertEquals(0, cleaner.counters().failures());
            }
            verify(store, version);
        }
        try (LogStore store = LogStore.open(config(dir))) {
            verify(store, version); // after a restart: the moves were checkpointed
        }
    }

    @Test
    void aStoreBeingFilledIsLeftAlone() throws Exception {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < BLOCKS; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            BackgroundCleaner cleaner = new BackgroundCleaner(store, quick());
            assertEquals(0, cleaner.runRound(), "no garbage: no pass, not even a checkpoint");
            long checkpoints = store.stats().checkpoints();
            store.write(VOL, 0, content(VOL, 0, 2), WriteConcern.ACKNOWLEDGED);
            assertEquals(0, cleaner.runRound(), "one block of garbage is below the floor");
            assertEquals(checkpoints, store.stats().checkpoints());
            assertEquals(0, cleaner.counters().rounds());
        }
    }

    @Test
    void aRoundStopsRaisingTheThresholdOnceTheStoreIsWithinTheTarget() throws Exception {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < BLOCKS; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            // every block written again: the first 8 segments are entirely dead, the cheapest possible victims
            for (long b = 0; b < BLOCKS; b++) {
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.ACKNOWLEDGED);
            }
            BackgroundCleaner cleaner = new BackgroundCleaner(store, quick());
            assertEquals(1, cleaner.runRound(), "the first threshold already frees everything dead");
            assertEquals(0, cleaner.counters().blocksMoved(), "dead segments need no moves");
            LogStoreStats after = store.stats();
            assertTrue(after.segmentBytes() <= 1.15 * after.liveBytes() + (1 << 20), after.toString());
            for (long b = 0; b < BLOCKS; b++) {
                assertArrayEquals(content(VOL, b, 2).array(), read(store, VOL, b));
            }
        }
    }

    @Test
    void aPassThatFreesNothingRaisesTheThresholdForTheNextStep() throws Exception {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < BLOCKS; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            // two blocks of every three written again: the first segments end a third live, none a quarter or less
            for (long b = 0; b < BLOCKS; b++) {
                if (b % 3 != 0) {
                    store.write(VOL, b, content(VOL, b, 2), WriteConcern.ACKNOWLEDGED);
                }
            }
            BackgroundCleaner cleaner = new BackgroundCleaner(store, quick());
            assertEquals(1, cleaner.step(), "1.67 x live: above the trigger");
            assertEquals(0, cleaner.counters().segmentsDeleted(), "no segment is a quarter live or less");
            assertEquals(1, cleaner.step());
            assertTrue(cleaner.counters().segmentsDeleted() > 0, "the next threshold (half live) freed the old segments");
            cleaner.runRound();
            LogStoreStats after = store.stats();
            assertTrue(after.segmentBytes() <= 1.3 * after.liveBytes(), after.toString());
            assertEquals(1, cleaner.counters().rounds(), "one episode from the trigger to the target");
            for (long b = 0; b < BLOCKS; b++) {
                assertArrayEquals(content(VOL, b, b % 3 == 0 ? 1 : 2).array(), read(store, VOL, b), "block " + b);
            }
        }
    }

    @Test
    void whenSpaceIsShortItCleansBelowItsTriggerUntilAPassFreesSomething() throws Exception {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < BLOCKS; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            for (long b = 0; b < BLOCKS / 4; b++) {
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.ACKNOWLEDGED);
            }
            // a garbage floor the store never reaches: only a space signal can start a pass
            BackgroundCleaner cleaner = new BackgroundCleaner(store,
                    new BackgroundCleaner.Policy(1.3, 1.15, 1L << 30, Duration.ofMillis(20), Duration.ZERO));
            assertEquals(0, cleaner.runRound(), "under the garbage floor: nothing to do");
            long before = store.stats().segmentBytes();
            cleaner.spaceShort();
            assertEquals(1, cleaner.runRound(), "the dead quarter's segments go in the first pass");
            assertTrue(store.stats().segmentBytes() < before, "space came back");
            assertEquals(0, cleaner.runRound(), "one freeing pass per signal");
            for (long b = 0; b < BLOCKS; b++) {
                assertArrayEquals(content(VOL, b, b < BLOCKS / 4 ? 2 : 1).array(), read(store, VOL, b), "block " + b);
            }
        }
    }

    @Test
    void closingTheStoreUnderARunningCleanerEndsItWithoutAFailure() throws Exception {
        LogStore store = LogStore.open(config(dir));
        BackgroundCleaner cleaner = new BackgroundCleaner(store, quick()).start();
        try {
            overwriteThreeTimes(store, new SplittableRandom(7));
            store.close();
        } finally {
            cleaner.close();
        }
        assertEquals(0, cleaner.counters().failures(), "a closed store ends the cleaner quietly");
        assertThrows(IllegalStateException.class, cleaner::start, "a cleaner starts once");
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("galleon-lsm-cleaner") && t.isAlive()),
                "the cleaner thread ended");
    }

    @Test
    void policiesOutsideTheirRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BackgroundCleaner.Policy(1.1, 1.2, 0, Duration.ofSeconds(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new BackgroundCleaner.Policy(1.3, 0.9, 0, Duration.ofSeconds(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new BackgroundCleaner.Policy(1.3, 1.1, 0, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new BackgroundCleaner.Policy(1.3, 1.1, 0, Duration.ofSeconds(1), Duration.ofMillis(-1)));
    }
}
