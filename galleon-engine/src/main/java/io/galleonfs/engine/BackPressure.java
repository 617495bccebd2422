package io.galleonfs.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds memory held by acknowledged-but-unapplied writes. Writers wait here before taking any lock,
 * so a waiting writer never blocks the journal thread that frees room.
 */
final class BackPressure {
    private final long maxDirtyBytes;
    private final AtomicLong dirty = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private volatile Throwable failure;

    BackPressure(long maxDirtyBytes) {
        this.maxDirtyBytes = maxDirtyBytes;
    }

    void awaitRoom() throws IOException {
        if (dirty.get() <= maxDirtyBytes) {
            return;
        }
        lock.lock();
        try {
            while (dirty.get() > maxDirtyBytes) {
                if (failure != null) {
                    throw new EngineException("storage engine failed: " + failure, failure);
                }
                room.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for journal room");
        } finally {
            lock.unlock();
        }
    }

    /** Bytes acknowledged but not yet applied to the layer files. */
    long dirtyBytes() {
        return Math.max(0, dirty.get());
    }

    void add(long bytes) {
        dirty.addAndGet(bytes);
    }

    void release(long bytes) {
        if (dirty.addAndGet(-bytes) <= maxDirtyBytes) {
            lock.lock();
            try {
                room.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    void fail(Throwable cause) {
        lock.lock();
        try {
            failure = cause;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
