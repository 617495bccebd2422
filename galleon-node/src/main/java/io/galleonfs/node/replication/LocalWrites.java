package io.galleonfs.node.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The primary's own writes (and trims) of one volume that were ordered but are not applied to its local copy yet: a
 * block-range lock whose turns are handed out in sequence order. A write takes its turn under the volume's order lock,
 * together with its sequence number and its frames to the replicas, then leaves the order lock and applies itself here
 * once every earlier turn overlapping its blocks is over. So writes whose blocks overlap apply here in sequence order,
 * as every replica applies them, and writes on disjoint blocks reach the engine side by side (the engine runs I/O on
 * different blocks in parallel; under the order lock it only ever saw one write of a volume at a time).
 * <p>
 * Whatever reads or changes the local copy as a whole under the order lock (snapshots, restore, expand, flush, the
 * blocks a resync or rebuild sends, scrub and repair) first {@link #drain}s: it waits, still holding the order lock,
 * until every turn taken so far is over. Holding the order lock there cannot deadlock: a turn, once taken, never needs
 * the order lock again before it is over (its failure handling runs after {@link Turn#release}).
 */
final class LocalWrites {
    private final ReentrantLock lock = new ReentrantLock();
    /** Turns not over yet, in the order they were taken (sequence order). Few: at most the volume's writes in flight. */
    private final List<Turn> inFlight = new ArrayList<>();

    /** One write's claim on blocks [first, last]. */
    final class Turn {
        private final long first;
        private final long last;
        private final CompletableFuture<Void> over = new CompletableFuture<>();
        /** The earlier turns on overlapping blocks (fixed when this one is taken: later ones never come before it). */
        private final List<CompletableFuture<Void>> earlier;

        private Turn(long first, long last, List<CompletableFuture<Void>> earlier) {
            this.first = first;
            this.last = last;
            this.earlier = earlier;
        }

        /**
         * Waits until every earlier overlapping turn is over. Not interruptible: the operation was already sent to the
         * replicas, so it must still apply here, after the ones before it.
         */
        void awaitTurn() {
            for (CompletableFuture<Void> f : earlier) {
                f.join();
            }
        }

        /** The write applied here (or failed): later overlapping turns and drains may go on. Call exactly once. */
        void release() {
            lock.lock();
            try {
                inFlight.remove(this);
            } finally {
                lock.unlock();
            }
            over.complete(null);
        }
    }

    /** Takes the next turn for blocks [first, last]; call under the order lock, so turns follow sequence order. */
    Turn take(long first, long last) {
        lock.lock();
        try {
            List<CompletableFuture<Void>> earlier = List.of();
            for (Turn t : inFlight) {
                if (t.first <= last && first <= t.last) {
                    if (earlier.isEmpty()) {
                        earlier = new ArrayList<>(2);
                    }
                    earlier.add(t.over);
                }
            }
            Turn turn = new Turn(first, last, earlier);
            inFlight.add(turn);
            return turn;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every turn taken so far is over, i.e. the local copy holds every write ordered until now. Call under
     * the order lock (no turn is taken meanwhile, so this ends).
     */
    void drain() {
        List<CompletableFuture<Void>> pending;
        lock.lock();
        try {
            if (inFlight.isEmpty()) {
                return;
            }
            pending = new ArrayList<>(inFlight.size());
            for (Turn t : inFlight) {
                pending.add(t.over);
            }
        } finally {
            lock.unlock();
        }
        for (CompletableFuture<Void> f : pending) {
            f.join();
        }
    }

    /** Turns not over yet (for tests). */
    int inFlight() {
        lock.lock();
        try {
            return inFlight.size();
        } finally {
            lock.unlock();
        }
    }
}
