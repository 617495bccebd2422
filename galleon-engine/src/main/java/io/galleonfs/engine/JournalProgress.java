package io.galleonfs.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Highest ticket fsynced (durable) and applied to the layer files, with waiting on either. */
final class JournalProgress {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long durable;
    private volatile long applied;
    private volatile Throwable failure;
    /** Set while the journal thread cannot commit for lack of space: durable waits fail instead of hanging. */
    private volatile OutOfSpaceException commitStall;
    /** Set while the apply thread cannot write layer files for lack of space. */
    private volatile OutOfSpaceException applyStall;

    void markDurable(long ticket) {
        signal(() -> durable = ticket);
    }

    void markApplied(long ticket) {
        signal(() -> applied = ticket);
    }

    void fail(Throwable cause) {
        signal(() -> {
            if (failure == null) {
                failure = cause;
            }
        });
    }

    void stallCommits(OutOfSpaceException cause) {
        signal(() -> commitStall = cause);
    }

    void stallApplies(OutOfSpaceException cause) {
        signal(() -> applyStall = cause);
    }

    void clearCommitStall() {
        if (commitStall != null) {
            signal(() -> commitStall = null);
        }
    }

    void clearApplyStall() {
        if (applyStall != null) {
            signal(() -> applyStall = null);
        }
    }

    /** Waits until the ticket is durable; fails with {@link OutOfSpaceException} while commits are stalled. */
    void awaitDurable(long ticket) throws IOException {
        await(ticket, true, true);
    }

    /** Waits until the ticket is applied; fails with {@link OutOfSpaceException} while the engine is stalled. */
    void awaitApplied(long ticket) throws IOException {
        await(ticket, false, true);
    }

    /** For the journal thread itself: waits through a stall of the apply thread (which retries). */
    void awaitAppliedThroughStalls(long ticket) throws IOException {
        await(ticket, false, false);
    }

    private void await(long ticket, boolean durability, boolean failOnStall) throws IOException {
        if ((durability ? durable : applied) >= ticket) {
            return;
        }
        lock.lock();
        try {
            while ((durability ? durable : applied) < ticket) {
                if (failure != null) {
                    throw new EngineException("storage engine failed before the write became "
                            + (durability ? "durable" : "applied") + ": " + failure, failure);
                }
                OutOfSpaceException stall = null;
                if (failOnStall) {
                    // A stalled apply thread soon blocks commits too (the apply queue fills), so both fail waits.
                    stall = ticket > durable ? (commitStall != null ? commitStall : applyStall) : null;
                    if (stall == null && !durability) {
                        stall = applyStall;
                    }
                }
                if (stall != null) {
                    // The write may still become durable when space returns (its batch is retried), so the
                    // caller hears "failed", never "succeeded": a failed write may or may not have landed.
                    throw new OutOfSpaceException("no space left on the storage device; the write was not "
                            + (durability ? "made durable" : "applied"), stall);
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the journal");
        } finally {
            lock.unlock();
        }
    }

    private void signal(Runnable update) {
        lock.lock();
        try {
            update.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
