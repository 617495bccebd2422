package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a run goes through the page cache: nobody synced lately and the dirty backlog is small. */
class RunRoutingTest {
    private static final String MEMINFO = """
            MemTotal:       24641364 kB
            MemFree:        10000000 kB
            MemAvailable:   20000000 kB
            Dirty:            %d kB
            Writeback:        %d kB
            """;

    @Test
    void runsSkipThePageCacheForAWhileAfterASyncRequest() {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        AtomicBoolean room = new AtomicBoolean(true);
        RunRouting routing = new RunRouting(room::get, now::get);
        assertTrue(routing.buffered(), "no sync asked for yet");
        routing.syncRequested();
        assertFalse(routing.buffered(), "a writer that syncs is synced again soon");
        now.addAndGet(RunRouting.SYNC_QUIET_NANOS - 1);
        assertFalse(routing.buffered());
        now.addAndGet(1);
        assertTrue(routing.buffered(), "quiet for a while: page cache again");
        room.set(false);
        assertFalse(routing.buffered(), "a large dirty backlog: O_DIRECT");
    }

    @Test
    void withoutABacklogReadingEveryRunIsDirect() {
        assertFalse(new RunRouting(null, System::nanoTime).buffered());
    }

    @Test
    void roomIsHalfTheBackgroundThreshold() {
        // ratio 10 % of 20,000,000 KiB available: threshold ~1.9 GiB, room below ~0.95 GiB of Dirty + Writeback
        assertTrue(RunRouting.DirtyBacklog.hasRoom(MEMINFO.formatted(500_000, 400_000), 0, 10));
        assertFalse(RunRouting.DirtyBacklog.hasRoom(MEMINFO.formatted(600_000, 400_000), 0, 10));
        // dirty_background_bytes, when set, wins over the ratio
        assertTrue(RunRouting.DirtyBacklog.hasRoom(MEMINFO.formatted(1_000, 0), 4L << 20, 10));
        assertFalse(RunRouting.DirtyBacklog.hasRoom(MEMINFO.formatted(3_000, 0), 4L << 20, 10));
    }

    @Test
    void anUnreadableMeminfoMeansNoRoom() {
        assertFalse(RunRouting.DirtyBacklog.hasRoom("MemTotal: 1 kB\n", 0, 10));
        assertFalse(RunRouting.DirtyBacklog.hasRoom("", 0, 10));
        assertFalse(RunRouting.DirtyBacklog.hasRoom(MEMINFO.formatted(1, 1).replace("Dirty:", "Dirty: x"), 0, 10));
    }

    @Test
    void theMachinesBacklogCanBeRead() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(RunRouting.DirtyBacklog.MEMINFO));
        // Whatever the answer, reading it must not fail, and a second call within the sample period reuses it.
        RunRouting.DirtyBacklog backlog = new RunRouting.DirtyBacklog(System::nanoTime);
        boolean first = backlog.hasRoom();
        org.junit.jupiter.api.Assertions.assertEquals(first, backlog.hasRoom());
    }
}
