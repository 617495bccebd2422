package io.galleonfs.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hand-off from writers to the journal thread. Tickets are assigned under the same lock that appends
 * to the queue, so ticket order is journal order: "ticket t is durable" implies every earlier ticket is.
 */
final class JournalQueue {
    /** What the journal thread takes in one go. */
    record Batch(List<JournalEntry> entries, long lastTicket, List<CompletableFuture<Void>> checkpoints,
                 boolean closing) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private ArrayList<JournalEntry> pending = new ArrayList<>();
    private final List<CompletableFuture<Void>> checkpoints = new ArrayList<>();
    private long lastTicket;
    private boolean closed;
    private Throwable failure;

    /** Appends an entry and returns its ticket; {@code volume} learns its newest ticket atomically with it. */
    long enqueue(JournalEntry entry, VolumeImpl volume) throws EngineException {
        lock.lock();
        try {
            if (failure != null) {
                throw new EngineException("storage engine failed: " + failure, failure);
            }
            if (closed) {
                throw new EngineException("storage engine is closed");
            }
            pending.add(entry);
            long ticket = ++lastTicket;
            volume.noteTicket(ticket);
            if (pending.size() == 1) {
                wake.signal();
            }
            return ticket;
        } finally {
            lock.unlock();
        }
    }

    /** Asks the journal thread for a checkpoint; completes once the journal has been rotated. */
    CompletableFuture<Void> requestCheckpoint() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else if (closed) {
                done.completeExceptionally(new EngineException("storage engine is closed"));
            } else {
                checkpoints.add(done);
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
        return done;
    }

    /** Blocks (parked, no CPU) until there is work, a checkpoint request or the queue closes. */
    Batch take() {
        lock.lock();
        try {
            while (pending.isEmpty() && checkpoints.isEmpty() && !closed) {
                wake.awaitUninterruptibly();
            }
            List<JournalEntry> entries = pending;
            pending = new ArrayList<>(Math.max(16, entries.size()));
            List<CompletableFuture<Void>> requested = List.copyOf(checkpoints);
            checkpoints.clear();
            return new Batch(entries, lastTicket, requested, closed);
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting entries; entries already queued are still taken. */
    void close() {
        lock.lock();
        try {
            closed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    void fail(Throwable cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            closed = true;
            for (CompletableFuture<Void> c : checkpoints) {
                c.completeExceptionally(cause);
            }
            checkpoints.clear();
            wake.signal();
        } finally {
            lock.unlock();
        }
    }
}
