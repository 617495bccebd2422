package io.galleonfs.node.nbd;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The virtual threads that run one connection's storage calls side by side: reused, not started per call. A call goes
 * to the thread that became idle last, and a new thread starts only when none is idle, so at queue depth 1 every call
 * runs on one thread and at depth N on about N. There is no bound here: the session bounds the calls in flight
 * ({@link NbdSession#MAX_IN_FLIGHT}), so a connection has about as many threads as it ever had calls in flight (a few
 * more: a thread is idle again only a moment after it queued its reply, and a call arriving meanwhile starts another).
 * Idle threads stay, parked, until the connection closes ({@link #shutdown}).
 * <p>
 * Why not a thread per call: the engine keeps per-thread scratch on its write path (the log store's record buffer, a
 * direct buffer of one record; the errno capture of its {@code pwrite}; an encrypted volume's cipher), and a thread that
 * runs a single call allocates all of it again for every request. Why idle threads wait without a timeout: a timed park
 * of a virtual thread arms a timer in the scheduler and wakes its delay thread, once per call, which cost more than the
 * thread starts it saved (a {@code ThreadPoolExecutor} with a keep-alive). Issue 18, docs/BENCHMARKS.md "QD1 after
 * concurrent NBD requests".
 */
final class RequestThreads implements Executor {
    /** Handed to an idle thread when the connection closed: it ends. */
    private static final Runnable END = () -> {
    };

    private final ThreadFactory factory;
    /** The idle threads, the one idle last first. */
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean shutdown;

    /** Threads named {@code prefix0}, {@code prefix1}, ... */
    RequestThreads(String prefix) {
        this.factory = Thread.ofVirtual().name(prefix, 0).factory();
    }

    /** Runs {@code task} on an idle thread, or a new one; refused once {@link #shutdown} was called. */
    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("the connection is closed");
        }
        Worker w = idle.pollFirst();
        if (w != null) {
            w.hand(task);
        } else {
            factory.newThread(new Worker(task)).start();
        }
    }

    /** Idle threads end now, busy ones after their call; calls submitted from now on are refused. */
    void shutdown() {
        shutdown = true;
        Worker w;
        while ((w = idle.pollFirst()) != null) {
            w.hand(END);
        }
    }

    /** Idle threads (tests). */
    int idle() {
        return idle.size();
    }

    private final class Worker implements Runnable {
        private final AtomicReference<Runnable> next = new AtomicReference<>();
        /** Set before the worker is first idle, so whoever takes it from {@link #idle} can unpark it. */
        private volatile Thread thread;
        private Runnable first;

        Worker(Runnable first) {
            this.first = first;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            Runnable task = first;
            first = null;
            while (task != null) {
                task.run();
                task = awaitNext();
            }
        }

        /** The next call handed to this thread, or null when the connection closed. */
        private Runnable awaitNext() {
            if (shutdown) {
                return null;
            }
            idle.addFirst(this);
            // A shutdown that drained the idle threads before this one joined them must still end it.
            if (shutdown && idle.removeFirstOccurrence(this)) {
                return null;
            }
            Runnable task;
            while ((task = next.getAndSet(null)) == null) {
                Thread.interrupted(); // a call that left the flag set would make park return at once, forever
                LockSupport.park(this);
            }
            return task == END ? null : task;
        }

        /** Called by whoever took this worker from {@link #idle}. */
        void hand(Runnable task) {
            next.set(task);
            LockSupport.unpark(thread);
        }
    }
}
