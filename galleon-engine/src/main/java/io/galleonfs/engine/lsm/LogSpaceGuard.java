package io.galleonfs.engine.lsm;

import io.galleonfs.engine.FreeSpace;
import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.engine.SampledFreeSpace;
import org.jboss.logging.Logger;

/**
 * Admission of client writes to the log store against the file system's free space.
 *
 * <p>The log store takes disk space a segment at a time (a new segment is prepared before the head one is full), and
 * its cleaner needs free space too: a pass appends the live blocks of its victims before a checkpoint deletes them. So
 * client writes are refused once what is free would no longer hold the reserve plus one more segment; the reserve
 * itself is left to the cleaner, checkpoints, the Raft log and deletes, which are never refused here. Before that
 * point, when free space falls under the reserve plus a few segments, the cleaner is asked to run even though the
 * store may be below its usual space trigger: on a nearly full disk any garbage is worth collecting.</p>
 */
public final class LogSpaceGuard {
    private static final Logger LOG = Logger.getLogger(LogSpaceGuard.class);
    /** Segments of headroom under which the cleaner is told that space is short. */
    private static final int PRESSURE_SEGMENTS = 4;

    private final SampledFreeSpace free;
    private final long reserved;
    private final long segmentBytes;
    private final Runnable spaceShort;
    private volatile boolean refusing;

    /**
     * @param reserved     bytes kept free for everything but client writes
     * @param segmentBytes the store's segment size (the unit it allocates)
     * @param spaceShort   called (on the writing thread; must not block) when free space runs low
     */
    public LogSpaceGuard(FreeSpace probe, long reserved, long segmentBytes, Runnable spaceShort) {
        if (reserved < 0 || segmentBytes <= 0) {
            throw new IllegalArgumentException("reserve must be >= 0 and segments > 0");
        }
        this.free = new SampledFreeSpace(probe);
        this.reserved = reserved;
        this.segmentBytes = segmentBytes;
        this.spaceShort = spaceShort;
    }

    /** Refuses a client write of {@code bytes} when it would leave less than the reserve plus one segment free. */
    public void admit(long bytes) throws OutOfSpaceException {
        long available = free.recent();
        if (available < 0) {
            return; // not measurable: the store's own ENOSPC handling is what is left
        }
        if (available - bytes < reserved + PRESSURE_SEGMENTS * segmentBytes) {
            spaceShort.run();
        }
        if (available - bytes < reserved + segmentBytes) {
            if (!refusing) {
                refusing = true;
                LOG.warnf("log store: %d bytes free, %d reserved: client writes are refused until the cleaner or a delete"
                        + " frees space", available, reserved);
            }
            throw new OutOfSpaceException("no space left for writes: " + available + " bytes free, " + reserved
                    + " bytes reserved for the node");
        }
        if (refusing) {
            refusing = false;
            LOG.infof("log store: %d bytes free again: client writes are admitted", available);
        }
    }

    /** Whether the last admission refused (for the engine's space report). */
    public boolean refusing() {
        return refusing;
    }

    public long reserved() {
        return reserved;
    }

    /** Free bytes now (statvfs), or -1 when they cannot be measured. */
    public long available() {
        return free.now();
    }
}
