package io.galleonfs.node.ingress;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A node-wide budget of bytes that network input may hold: payloads being received and requests being served. A
 * connection takes bytes from it as they arrive (or before it allocates a buffer for them) and gives them back once the
 * request is answered. When the budget is spent the connection stops reading its socket and registers a waiter, which
 * runs once after some bytes are returned; the waiter tries again. This bounds what many clients together can make the
 * node hold, whatever lengths they announce. Thread-safe: bytes are taken on event loops and returned on workers.
 */
public final class IngressBudget {
    private final String name;
    private final long capacity;
    private long used;
    /** In registration order, so the longest-waiting connection retries first; a set, so a waiter is queued once. */
    private final LinkedHashSet<Runnable> waiters = new LinkedHashSet<>();

    public IngressBudget(String name, long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("ingress budget " + name + " must be positive, got " + capacity);
        }
        this.name = name;
        this.capacity = capacity;
    }

    public String name() {
        return name;
    }

    public long capacity() {
        return capacity;
    }

    public synchronized long used() {
        return used;
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    /**
     * Takes {@code bytes} when they fit. A request larger than the whole budget is granted only while nothing else is
     * held, so it can never wait forever.
     */
    public synchronized boolean tryAcquire(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative reservation " + bytes);
        }
        if (used + bytes <= capacity || used == 0) {
            used += bytes;
            return true;
        }
        return false;
    }

    /**
     * Counts {@code bytes} that already exist (a reply being sent), even over the capacity: connections then stop taking
     * new input until they are returned.
     */
    public synchronized void forceAcquire(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative reservation " + bytes);
        }
        used += bytes;
    }

    /**
     * Takes {@code bytes} now if they fit and returns true; otherwise queues {@code retry} to run once (on the thread that
     * returns bytes: it must only hand itself over to the caller's event loop) after the next release, and returns false.
     */
    public boolean acquireOrWait(long bytes, Runnable retry) {
        synchronized (this) {
            if (tryAcquire(bytes)) {
                return true;
            }
            waiters.add(retry);
        }
        return false;
    }

    /** Forgets a waiter whose connection closed. */
    public synchronized void cancel(Runnable retry) {
        waiters.remove(retry);
    }

    /** Returns bytes and lets every waiter try again (those that still do not fit queue themselves again). */
    public void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        List<Runnable> wake;
        synchronized (this) {
            used -= bytes;
            if (used < 0) {
                used = 0;
                throw new IllegalStateException("ingress budget " + name + " released more than it handed out");
            }
            if (waiters.isEmpty()) {
                return;
            }
            wake = new ArrayList<>(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run); // outside the lock: a waiter may call back into the budget
    }

    @Override
    public synchronized String toString() {
        return "IngressBudget[" + name + " " + used + "/" + capacity + " bytes, " + waiters.size() + " waiting]";
    }
}
