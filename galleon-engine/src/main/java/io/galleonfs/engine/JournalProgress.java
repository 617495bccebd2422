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

    void awaitDurable(long ticket) throws IOException {
        await(ticket, true);
    }

    void awaitApplied(long ticket) throws IOException {
        await(ticket, false);
    }

    private void await(long ticket, boolean durability) throws IOException {
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
