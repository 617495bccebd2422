package io.galleonfs.node.replication;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs its tasks one at a time in the order they were given, on a shared executor, holding no thread while it has
 * nothing to run. One per volume in {@link ReplicaApplier}: a single-thread executor each (a thread pool object and
 * queue per volume, and a parked virtual thread for ever once a replica operation had arrived) weighed ~0.7 KB per
 * volume, ~3.4 KB more with its thread, for every volume a node had started or held a copy of.
 *
 * <p>Each task happens-before the next (the queue and the counter hand them over), so state a task leaves behind is
 * seen by the next one whichever thread runs it. After {@link #shutdown} new tasks are refused; those queued still run.
 */
final class SerialExecutor implements Executor {
    private static final Logger LOG = Logger.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Tasks queued and not yet finished; the one that raises it from zero starts the drain. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean shutdown;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        tasks.add(task);
        if (pending.getAndIncrement() == 0) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The pool is shut down: the node is closing, nothing queued here runs any more.
                tasks.remove(task);
                pending.decrementAndGet();
                throw e;
            }
        }
    }

    /** Runs queued tasks until none is left; one drain at a time (started when {@link #pending} left zero). */
    private void drain() {
        do {
            // Never null: every count above zero stands for a task added before it was counted.
            Runnable task = tasks.poll();
            try {
                task.run();
            } catch (Throwable t) {
                LOG.warn("an ordered replica task failed", t);
            }
        } while (pending.decrementAndGet() > 0);
    }

    /**
     * Shows the running task the tasks queued behind it, oldest first, while {@code visitor} returns true. Only for the
     * task running now (the drain is the queue's only consumer, so nothing it is shown leaves the queue meanwhile). The
     * tasks stay queued and run in their turn: a task that took another's work over (the replica's batch of queued
     * writes) marks it done itself. Taking them out instead would race with {@link #execute}, which queues a task
     * before it counts it.
     */
    void visitQueued(java.util.function.Predicate<Runnable> visitor) {
        for (Runnable r : tasks) {
            if (!visitor.test(r)) {
                return;
            }
        }
    }

    /** Refuses new tasks; queued ones still run. */
    void shutdown() {
        shutdown = true;
    }
}
