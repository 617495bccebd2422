package io.galleonfs.node.cluster;

import io.galleonfs.node.meta.MetadataState;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs the metadata listeners of one node on a thread of their own, so the Raft apply thread (jgroups-raft's
 * {@code runner}, which also appends and answers the next entries) never waits for them. States are handed over in the
 * order they were published and every listener sees them in that order, one at a time, on that one thread (as it did
 * on the apply thread): a listener keeps its own "last state seen" without locks.
 *
 * <p>A listener sees only states published after it was added (never one older than the state it was built from). When
 * more than {@link #COALESCE_ABOVE} states wait, only the newest is handed over: listeners then compare it with the
 * last one they saw in full ({@link MetadataState#volumesChangedSince} is empty for it), which costs one walk instead
 * of a queue that would grow without bound behind a slow listener.
 *
 * <p>After each state's listeners have run, {@code delivered} gets that state: a change's submitter waits for it, not
 * only for the apply, so everything the listeners do for a change has happened on this
 * node when its submit returns (see ARCHITECTURE, Metadata, "Listeners").
 */
final class ListenerDispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ListenerDispatcher.class);
    /** States waiting beyond this are skipped up to the newest (the listeners fall back to a full comparison). */
    static final int COALESCE_ABOVE = 64;

    private record Registration(Consumer<MetadataState> listener, long after) {
    }

    private record Published(long seq, long generation, MetadataState state) {
    }

    private final List<Registration> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Published> queue = new ArrayDeque<>();
    private final Consumer<MetadataState> delivered;
    private final String name;
    /** The thread that hands states over; started on demand, it ends after {@link #IDLE_NANOS} without work. */
    private Thread thread;
    /** Publications so far; a listener added at {@code n} sees those numbered above {@code n}. */
    private long published;
    /** Bumped by {@link #reset}: states of an earlier generation are dropped, their indexes belong to another log. */
    private long generation;
    private boolean closed;

    /**
     * @param delivered given, on the dispatcher thread and under this dispatcher's lock, each state once its listeners
     *                  have run (so it must not call back into this dispatcher)
     */
    ListenerDispatcher(String name, Consumer<MetadataState> delivered) {
        this.name = name;
        this.delivered = delivered;
    }

    /** An idle dispatcher holds no thread (a store that is dropped without a close leaves none behind). */
    private static final long IDLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    /** Adds a listener that sees every state published from now on. */
    synchronized void add(Consumer<MetadataState> listener) {
        listeners.add(new Registration(listener, published));
    }

    /** Hands {@code state} (just published) to the listeners; never waits for them. */
    synchronized void publish(MetadataState state) {
        if (closed) {
            return;
        }
        queue.addLast(new Published(++published, generation, state));
        if (thread == null) {
            thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
        } else {
            notifyAll();
        }
    }

    /** Drops states not yet handed over: the node starts over in another cluster, whose log rebuilds the state. */
    synchronized void reset() {
        queue.clear();
        generation++;
    }

    /** Waiting states (for tests). */
    synchronized int pending() {
        return queue.size();
    }

    private void run() {
        while (true) {
            Published next;
            synchronized (this) {
                long idleSince = System.nanoTime();
                while (queue.isEmpty() && !closed) {
                    long left = IDLE_NANOS - (System.nanoTime() - idleSince);
                    if (left <= 0) {
                        thread = null; // the next publish starts another
                        return;
                    }
                    try {
                        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        thread = null;
                        return;
                    }
                }
                if (closed) {
                    thread = null;
                    return;
                }
                if (queue.size() > COALESCE_ABOVE) {
                    Published newest = queue.peekLast();
                    queue.clear();
                    next = newest;
                } else {
                    next = queue.pollFirst();
                }
            }
            deliver(next);
        }
    }

    private void deliver(Published p) {
        for (Registration r : listeners) {
            if (r.after() >= p.seq()) {
                continue;
            }
            try {
                r.listener().accept(p.state());
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                // The next listeners and states still go out: a dead dispatcher would stall every submit on this node.
                LOG.errorf(e, "metadata listener failed at applied index %d", p.state().lastApplied());
            }
        }
        // Under this lock, so a reset either drops this state's index or comes after it (and lowers it again).
        synchronized (this) {
            if (p.generation() == generation) {
                delivered.accept(p.state());
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
