package io.galleonfs.engine.lsm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Whether a run of records ({@code LogWriter.issueRun}) goes through the page cache or around it with O_DIRECT.
 * <p>
 * Through the page cache while nobody asked for a sync lately and the kernel's dirty backlog is below half of its
 * background writeback threshold; O_DIRECT otherwise. Why both conditions (measured, docs/BENCHMARKS.md): a burst of
 * large writes that nobody syncs is absorbed by the page cache at memory speed, as a plain file would take it (FUSE
 * sequential writes 0.39-0.43 of bindfs with every run O_DIRECT); but data that is synced soon after, or written while
 * the backlog is already large, then waits for writeback at the disk's buffered rate (a durable import fell by 40 %
 * with page-cached runs), while O_DIRECT writes reach the disk at its direct rate, several times faster here.
 */
final class RunRouting {
    /** After a sync request, runs skip the page cache this long: a writer that syncs keeps doing so. */
    static final long SYNC_QUIET_NANOS = 1_000_000_000L;

    private final BooleanSupplier pageCacheHasRoom;
    private final LongSupplier clock;
    private final AtomicLong lastSync;

    /** @param pageCacheHasRoom null: every run O_DIRECT (where the file system takes it) */
    RunRouting(BooleanSupplier pageCacheHasRoom, LongSupplier clock) {
        this.pageCacheHasRoom = pageCacheHasRoom;
        this.clock = clock;
        this.lastSync = new AtomicLong(clock.getAsLong() - SYNC_QUIET_NANOS);
    }

    /** The node's routing: page-cached runs unless {@code -Dgalleon.lsm.buffered-runs=false} or not on Linux. */
    static RunRouting forThisMachine() {
        boolean enabled = !"false".equalsIgnoreCase(System.getProperty("galleon.lsm.buffered-runs", "true"));
        DirtyBacklog backlog = enabled && Files.isReadable(DirtyBacklog.MEMINFO) ? new DirtyBacklog(System::nanoTime) : null;
        return new RunRouting(backlog == null ? null : backlog::hasRoom, System::nanoTime);
    }

    /** A caller asked for a sync (a durable write, a flush). */
    void syncRequested() {
        long now = clock.getAsLong();
        // Written at most once a millisecond: 32 durable writers would otherwise bounce this line on every write.
        if (now - lastSync.get() > 1_000_000L) {
            lastSync.set(now);
        }
    }

    /** Whether the next run goes through the page cache. */
    boolean buffered() {
        return pageCacheHasRoom != null && clock.getAsLong() - lastSync.get() >= SYNC_QUIET_NANOS
                && pageCacheHasRoom.getAsBoolean();
    }

    /**
     * The kernel's dirty page backlog against its background writeback threshold, from {@code /proc}, sampled at most
     * every {@link #SAMPLE_NANOS} by whichever caller finds the sample stale.
     */
    static final class DirtyBacklog {
        static final Path MEMINFO = Path.of("/proc/meminfo");
        static final long SAMPLE_NANOS = 50_000_000L;
        private final LongSupplier clock;
        private final AtomicLong sampledAt;
        private volatile boolean room;

        DirtyBacklog(LongSupplier clock) {
            this.clock = clock;
            this.sampledAt = new AtomicLong(clock.getAsLong() - 2 * SAMPLE_NANOS);
        }

        boolean hasRoom() {
            long now = clock.getAsLong();
            long at = sampledAt.get();
            if (now - at >= SAMPLE_NANOS && sampledAt.compareAndSet(at, now)) {
                room = sample();
            }
            return room;
        }

        private static boolean sample() {
            try {
                return hasRoom(Files.readString(MEMINFO), readLong(Path.of("/proc/sys/vm/dirty_background_bytes")),
                        readLong(Path.of("/proc/sys/vm/dirty_background_ratio")));
            } catch (IOException | RuntimeException e) {
                return false; // unknown: the safe way round is O_DIRECT
            }
        }

        private static long readLong(Path p) throws IOException {
            return Long.parseLong(Files.readString(p).trim());
        }

        /**
         * Room when Dirty + Writeback is below half the background threshold: {@code backgroundBytes} if set, else
         * {@code backgroundRatio} % of MemAvailable (close to the kernel's own "dirtyable" memory).
         */
        static boolean hasRoom(String meminfo, long backgroundBytes, long backgroundRatio) {
            long dirty = kib(meminfo, "Dirty:");
            long writeback = kib(meminfo, "Writeback:");
            long available = kib(meminfo, "MemAvailable:");
            if (dirty < 0 || writeback < 0 || available < 0) {
                return false;
            }
            long threshold = backgroundBytes > 0 ? backgroundBytes : available * 1024 / 100 * backgroundRatio;
            return (dirty + writeback) * 1024 < threshold / 2;
        }

        /** The value of a {@code /proc/meminfo} line in KiB, or -1 when it is missing. */
        private static long kib(String meminfo, String key) {
            int i = meminfo.startsWith(key) ? 0 : meminfo.indexOf("\n" + key);
            if (i < 0) {
                return -1;
            }
            int from = meminfo.indexOf(key, i) + key.length();
            int to = meminfo.indexOf("kB", from);
            if (to < 0) {
                return -1;
            }
            try {
                return Long.parseLong(meminfo.substring(from, to).trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
