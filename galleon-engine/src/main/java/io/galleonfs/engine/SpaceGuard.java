package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Admission of client writes against free space, and the engine's out-of-space state.
 *
 * <p>A write of n bytes will soon take up to 2n on disk (its journal record, then its block in a layer file),
 * and so will every write admitted but not yet applied. A write is refused when what would remain is less than
 * the reserve (counting the reserve file, whose space the node gets back by deleting it). Refusing before the
 * file system is full keeps ENOSPC away from the journal and apply threads, so replay, checkpoints, deletes and
 * the Raft log always find room.</p>
 *
 * <p>If ENOSPC reaches the journal or apply thread anyway (another program filled the disk), the thread marks the
 * engine <em>stalled</em>: every new write is refused until a retry of the failed step succeeds.</p>
 */
final class SpaceGuard {
    private static final Logger LOG = Logger.getLogger(SpaceGuard.class);
    private static final long RETRY_MILLIS = 250;

    private final SampledFreeSpace free;
    private final long reserved;
    private final BackPressure backPressure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private volatile long heldBytes;
    /** Set while the journal thread (index 0) or the apply thread (index 1) waits for space to retry. */
    private final OutOfSpaceException[] stalls = new OutOfSpaceException[2];
    private volatile OutOfSpaceException stall;

    /** Gives back space the engine holds only until its next checkpoint: the journal generation. */
    interface Reclaimer {
        long reclaimableBytes();

        void reclaim() throws IOException;
    }

    private volatile Reclaimer reclaimer;

    void reclaimer(Reclaimer r) {
        reclaimer = r;
    }

    SpaceGuard(FreeSpace probe, long reserved, BackPressure backPressure) {
        this.free = new SampledFreeSpace(probe);
        this.reserved = reserved;
        this.backPressure = backPressure;
    }

    /** Refuses a client write of {@code bytes} when the engine is stalled or it would eat into the reserve. */
    void admit(long bytes) throws OutOfSpaceException {
        OutOfSpaceException stalled = stall;
        if (stalled != null) {
            throw new OutOfSpaceException("no space left on the storage device; writes resume when space is freed",
                    stalled);
        }
        long available = free.recent();
        if (available < 0 || fits(available, bytes)) {
            return; // unmeasurable: the journal's own ENOSPC handling still protects us
        }
        Reclaimer r = reclaimer;
        if (r != null && r.reclaimableBytes() >= 2 * bytes) {
            // Journal records already applied to their layers hold space only until the next checkpoint; take it back
            // rather than refusing (concurrent writers' requests share one checkpoint).
            try {
                r.reclaim();
            } catch (IOException e) {
                LOG.debugf("checkpoint to reclaim journal space failed: %s", e.getMessage());
            }
            available = available();
            if (available < 0 || fits(available, bytes)) {
                return;
            }
        }
        throw new OutOfSpaceException("no space left for writes: " + available + " bytes free, "
                + reserved + " bytes reserved for the node");
    }

    private boolean fits(long available, long bytes) {
        return available + heldBytes - 2 * (backPressure.dirtyBytes() + bytes) >= reserved;
    }

    /** Free bytes now (statvfs), or -1 when they cannot be measured. */
    long available() {
        return free.now();
    }

    long reserved() {
        return reserved;
    }

    /** Bytes held by the reserve file (released at open for replay). */
    long heldBytes() {
        return heldBytes;
    }

    void setHeldBytes(long bytes) {
        heldBytes = bytes;
    }

    boolean stalled() {
        return stall != null;
    }

    void stall(boolean journalThread, OutOfSpaceException cause) {
        synchronized (stalls) {
            if (stall == null) {
                LOG.warnf("storage device full (%s); writes are refused until space is freed", rootMessage(cause));
            }
            stalls[journalThread ? 0 : 1] = cause;
            stall = cause;
        }
    }

    void clearStall(boolean journalThread) {
        synchronized (stalls) {
            stalls[journalThread ? 0 : 1] = null;
            OutOfSpaceException other = stalls[journalThread ? 1 : 0];
            if (stall != null && other == null) {
                LOG.infof("storage device has room again; writes resume");
            }
            stall = other;
        }
    }

    /** Waits a little before a stalled thread retries; {@link #wake()} (space was freed) ends the wait early. */
    void awaitRetry() throws InterruptedException {
        lock.lock();
        try {
            freed.await(RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    /** Space was freed (a volume, snapshot or the reserve file was deleted): stalled threads retry now. */
    void wake() {
        free.forget();
        lock.lock();
        try {
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage();
    }
}
