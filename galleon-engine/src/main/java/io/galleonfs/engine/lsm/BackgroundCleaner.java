package io.galleonfs.engine.lsm;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Decides when the log store's cleaner runs and how much it moves, on a thread of its own.
 *
 * <p>A pass costs client I/O what it moves (every live block of a victim segment is appended again), so the policy
 * starts with the segments that are mostly dead, where a moved byte frees the most space, and raises the live-fraction
 * threshold only when a pass at the current one freed nothing, while the store still uses more than
 * {@link Policy#targetAmplification} times its live data. A round is a series of passes with pauses between them, so
 * client writes are never queued behind one long pass. Nothing
 * runs while the store is within {@link Policy#triggerAmplification} of its live data or its garbage is below
 * {@link Policy#minGarbageBytes}: a store being filled, or one with a little garbage, is left alone.
 */
public final class BackgroundCleaner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackgroundCleaner.class);
    /** Live fractions tried in turn within one round: cheap victims first. */
    private static final double[] THRESHOLDS = {0.25, 0.5, 0.75, 0.9};

    /**
     * When and how far to clean.
     *
     * @param triggerAmplification a round starts when segment bytes exceed this multiple of the live bytes
     * @param targetAmplification  a round stops raising the threshold once segment bytes are at most this multiple
     * @param minGarbageBytes      a round starts only when segment bytes minus live bytes exceed this
     * @param interval             time between checks when nobody nudges the cleaner
     * @param pause                time between two passes of one round, when client writes get the writer to themselves
     */
    public record Policy(double triggerAmplification, double targetAmplification, long minGarbageBytes, Duration interval,
                         Duration pause) {
        public Policy {
            if (!(targetAmplification >= 1.0) || !(triggerAmplification >= targetAmplification)) {
                throw new IllegalArgumentException("need 1 <= target <= trigger amplification: " + targetAmplification
                        + ", " + triggerAmplification);
            }
            if (minGarbageBytes < 0 || interval == null || interval.isNegative() || interval.isZero() || pause == null
                    || pause.isNegative()) {
                throw new IllegalArgumentException("garbage floor must be >= 0, the interval positive and the pause >= 0");
            }
        }

        /**
         * Clean from 1.3 × live down to 1.15 ×, once at least four segments' worth is garbage, checking every 5 s and
         * pausing 20 ms between the passes of a round: the space bar is 1.3 × live after random overwrites.
         */
        public static Policy defaults(long segmentBytes) {
            return new Policy(1.3, 1.15, 4 * segmentBytes, Duration.ofSeconds(5), Duration.ofMillis(20));
        }
    }

    /** What the cleaner did since it started (for stats and metrics). */
    public record Counters(long rounds, long passes, long blocksMoved, long segmentsDeleted, long bytesFreed, long failures) {
    }

    private final LogStore store;
    private final Policy policy;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong freed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private boolean nudged;
    private volatile boolean stopped;
    /** In an episode: the store went above the trigger and is not yet within the target. */
    private volatile boolean cleaning;
    /** Free space is short: clean whatever garbage there is (set by {@link #spaceShort}, cleared by a step). */
    private volatile boolean pressure;
    /** The episode was started by {@link #spaceShort}, not by the amplification trigger. */
    private boolean forSpace;
    /** Index into {@link #THRESHOLDS} of the next pass in this episode. */
    private int level;
    private volatile Thread thread;

    public BackgroundCleaner(LogStore store, Policy policy) {
        this.store = store;
        this.policy = policy;
    }

    /** Starts the cleaner thread; a store that is closed ends it. */
    public synchronized BackgroundCleaner start() {
        if (thread != null) {
            throw new IllegalStateException("the cleaner is already started");
        }
        thread = Thread.ofPlatform().daemon().name("galleon-lsm-cleaner").start(this::loop);
        return this;
    }

    /** Asks for a check now (e.g. after a volume was deleted) instead of at the next interval. */
    public void nudge() {
        lock.lock();
        try {
            nudged = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Free space is short (see {@link LogSpaceGuard}): the next step starts an episode if the store holds any garbage,
     * whatever its amplification. Cheap when already signalled, so a write path may call it on every write.
     */
    public void spaceShort() {
        if (!pressure) {
            pressure = true;
            nudge();
        }
    }

    public Counters counters() {
        return new Counters(rounds.get(), passes.get(), moved.get(), deleted.get(), freed.get(), failures.get());
    }

    private void loop() {
        long backoffNanos = 0;
        while (!stopped) {
            long wait = backoffNanos > 0 ? backoffNanos : cleaning ? policy.pause().toNanos() : policy.interval().toNanos();
            if (!awaitTurn(wait)) {
                return;
            }
            try {
                step();
                backoffNanos = 0;
            } catch (IOException | RuntimeException e) {
                if (stopped || !store.isOpen()) {
                    return; // a closed store ends the cleaner quietly
                }
                backoffNanos = failed(e, backoffNanos);
            }
        }
    }

    private long failed(Exception e, long backoffNanos) {
        failures.incrementAndGet();
        cleaning = false;
        LOG.warnf(e, "log store cleaner: a pass failed; retrying later");
        return Math.min(Math.max(2 * backoffNanos, policy.interval().toNanos()), TimeUnit.MINUTES.toNanos(5));
    }

    /** Waits for a nudge or the timeout; false once stopped. */
    private boolean awaitTurn(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (!nudged && !stopped && left > 0) {
                left = wake.awaitNanos(left);
            }
            nudged = false;
            return !stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One step of the cleaner: starts an episode when the store is above the trigger, ends it once the store is within
     * the target, and in between runs one pass at the current threshold. A pass that frees nothing raises the threshold
     * for the next step; one that frees segments keeps it, so the cheapest victims are used up first. Between steps the
     * thread pauses ({@link Policy#pause}), which lets client writes through: a round is many small passes, not one
     * long one. Returns the passes run (0 or 1).
     */
    public synchronized int step() throws IOException {
        LogStoreStats stats = store.stats();
        if (!cleaning && pressure && stats.segmentBytes() > stats.liveBytes()) {
            // space is short: one pass that frees something, at the lowest threshold that does
            cleaning = true;
            forSpace = true;
            level = 0;
            rounds.incrementAndGet();
        } else if (!cleaning && needsCleaning(stats, policy.triggerAmplification())) {
            cleaning = true;
            forSpace = false;
            level = 0;
            rounds.incrementAndGet();
        }
        pressure = false;
        if (cleaning && !forSpace && !needsCleaning(stats, policy.targetAmplification())) {
            cleaning = false;
        }
        if (!cleaning) {
            return 0;
        }
        CleanResult r = store.clean(THRESHOLDS[level]);
        passes.incrementAndGet();
        moved.addAndGet(r.blocksMoved());
        deleted.addAndGet(r.segmentsDeleted());
        freed.addAndGet(r.bytesFreed());
        LOG.debugf("log store cleaner: pass at live <= %.2f: %s", THRESHOLDS[level], r);
        if (forSpace && r.segmentsDeleted() > 0) {
            cleaning = false; // freed some: the space guard asks again if that was not enough
        } else if (r.segmentsDeleted() == 0) {
            if (level == THRESHOLDS.length - 1) {
                cleaning = false; // nothing left that is worth moving: wait for the next trigger
            } else {
                level++;
            }
        }
        return 1;
    }

    /** Steps until the episode ends (tests, and a caller that wants the space back now); returns the passes run. */
    public int runRound() throws IOException {
        int n = 0;
        while (step() == 1) {
            n++;
            if (!cleaning || stopped) {
                break;
            }
        }
        return n;
    }

    private boolean needsCleaning(LogStoreStats s, double amplification) {
        long garbage = s.segmentBytes() - s.liveBytes();
        return garbage > policy.minGarbageBytes() && s.segmentBytes() > amplification * s.liveBytes();
    }

    /**
     * Stops the thread. Waits up to 10 s for a pass in progress; a longer one is ended by the store's close, which its
     * owner calls next (the pass then fails as closed and the thread ends quietly). Never waits on {@link #step}'s
     * monitor, so a long pass cannot hold up a shutdown.
     */
    @Override
    public void close() {
        stopped = true;
        nudge();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
