package io.galleonfs.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.MetadataUnavailableException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;

/**
 * The metadata state machine replicated by jgroups-raft. Commands are JSON-encoded {@link MetaCommand}s in the Raft
 * log; every member applies committed entries in log order through {@link MetadataState#apply}, which is
 * deterministic, so all members hold the same state. A change is acknowledged only once a majority has logged it
 * and this node has applied it and run its listeners on it (so a client reads its own writes on any node, and
 * everything the node does in reaction to the change, such as starting a volume's primary, has happened).
 */
public final class RaftMetadataStore implements MetadataStore, StateMachine {
    private static final Logger LOG = Logger.getLogger(RaftMetadataStore.class);
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Duration timeout;
    private volatile MetadataState current = new MetadataState();
    /**
     * The newest state whose listeners have run ({@link ListenerDispatcher}): what a submitter waits to reach and what
     * {@link #awaitState} tests (not {@link #current}, which under a stream of changes is always a step ahead of it).
     * Written under {@link #appliedMonitor}.
     */
    private volatile MetadataState settled = current;
    private final ListenerDispatcher listeners = new ListenerDispatcher("galleon-meta-listeners", this::onDelivered);
    private volatile RaftHandle raft;
    private volatile BooleanSupplier majorityReachable = () -> true;
    private volatile Runnable requestCommitIndex = () -> { };
    private final Object appliedMonitor = new Object();

    private final CommitBatcher batcher;

    public RaftMetadataStore(Duration timeout) {
        this.timeout = timeout;
        this.batcher = new CommitBatcher(this::append, DISPATCHER, MAX_ENTRIES_IN_FLIGHT, MAX_BATCH_COMMANDS, MAX_BATCH_BYTES);
    }

    /**
     * Entries of this node's own changes handed to Raft and not yet answered. Two, not one: while the leader waits for
     * the followers' acknowledgement of one entry it can already append (and fsync) the next; more would only split the
     * waiting changes into smaller entries.
     */
    static final int MAX_ENTRIES_IN_FLIGHT = 2;
    static final int MAX_BATCH_COMMANDS = 256;
    /**
     * Well below jgroups-raft's max_log_size (1 MiB here, or more with a large state: {@link SelfRemovingRaft}), which
     * triggers a snapshot once the log exceeds it.
     */
    static final int MAX_BATCH_BYTES = 256 << 10;
    private static final java.util.concurrent.Executor DISPATCHER = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("galleon-meta-batch-", 0).factory());

    /** Forgets all state, before this node starts over in another cluster whose log will rebuild it. */
    public void reset() {
        raft = null;
        listeners.reset(); // first: a state of the old log must not become the settled one after the lines below
        synchronized (appliedMonitor) {
            current = new MetadataState();
            settled = current;
        }
    }

    void attach(RaftHandle handle, BooleanSupplier majorityReachable, Runnable requestCommitIndex) {
        this.raft = handle;
        this.majorityReachable = majorityReachable;
        this.requestCommitIndex = requestCommitIndex;
    }

    /**
     * Called after every applied change, in log order, on this node's one listener thread (never on the Raft apply
     * thread); listeners must not block. A listener sees only states published after it was added. A change's submit
     * returns after its state's listeners have run.
     */
    public void addListener(Consumer<MetadataState> listener) {
        listeners.add(listener);
    }

    /** The applied index of the newest state whose listeners have run. */
    long deliveredIndex() {
        return settled.lastApplied();
    }

    private void onDelivered(MetadataState state) {
        synchronized (appliedMonitor) {
            settled = state;
            appliedMonitor.notifyAll();
        }
    }

    @Override
    public MetadataState state() {
        return current;
    }

    @Override
    public MetaResult submit(MetaCommand command) throws IOException {
        RaftHandle handle = raft;
        if (handle == null) {
            throw new MetadataUnavailableException("the cluster is not started yet");
        }
        // Refuse before anything is appended when this side of a partition cannot form a majority: a change
        // refused here can never be applied later.
        if (!majorityReachable.getAsBoolean()) {
            throw refused("this node cannot reach a majority of the cluster's members");
        }
        byte[] bytes = RaftEntry.encode(command);
        long deadline = System.nanoTime() + timeout.toNanos();
        MetaResult result;
        try {
            result = batcher.submit(bytes, timeout.toNanos());
        } catch (CommitBatcher.NotSentException e) {
            throw refused(e.getMessage());
        } catch (CommitBatcher.NotConfirmedException e) {
            throw unconfirmed(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unconfirmed("interrupted while waiting");
        }
        if (result instanceof MetaResult.Applied applied) {
            awaitLocallyApplied(applied.index(), deadline);
        }
        return result;
    }

    /** Hands one entry to the leader (a follower's RaftHandle forwards it with REDIRECT). */
    private CompletableFuture<byte[]> append(byte[] entry) throws Exception {
        RaftHandle handle = raft;
        if (handle == null) {
            throw new IllegalStateException("this node left the cluster");
        }
        return handle.setAsync(entry, 0, entry.length, null);
    }

    /** Raft entries this node has sent for its own submits (fewer than its submits once they are batched). */
    long entriesSent() {
        return batcher.entriesSent();
    }

    @Override
    public Optional<MetadataState> awaitState(Predicate<MetadataState> condition, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (appliedMonitor) {
            // The condition is asked of the newest state whose listeners have run: whoever waits for a change sees
            // what the node did about it, as a submitter does.
            while (!condition.test(settled)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(appliedMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
            return Optional.of(settled);
        }
    }

    /**
     * Read-your-writes: the change was applied by the leader; wait until this node has applied it too, and its
     * listeners have run on the state holding it (an applied change whose listeners still run needs no ask). A follower has
     * usually logged the entry already but learns that it is committed only with the leader's next message, which
     * for a lone change is its periodic resend (hundreds of ms). So after a short grace (under load the next append
     * brings the commit index anyway) it asks the leader for it, and asks again while it still waits, at most once
     * per {@link #COMMIT_INDEX_REQUEST_GAP_NANOS} for the whole node: each ask makes the leader resend what this node
     * has not acknowledged yet. (Asking only once, a change made right after another one found the ask used up and
     * waited for the resend: 200 ms for every second change through a follower.)
     */
    void awaitLocallyApplied(long index, long deadlineNanos) {
        long until = Math.min(deadlineNanos, System.nanoTime() + COMMIT_INDEX_GRACE_NANOS);
        long appliedBefore = current.lastApplied();
        while (!waitApplied(index, until)) {
            long now = System.nanoTime();
            if (now >= deadlineNanos) {
                LOG.debugf("committed change %d not yet applied on this node", index);
                return;
            }
            long applied = current.lastApplied();
            if (applied >= index) {
                // applied, its listeners are still running: nothing to ask the leader for
                until = deadlineNanos;
                continue;
            }
            long last = lastCommitIndexRequest.get();
            // While changes keep arriving the leader's appends carry the commit index anyway; asking then would only
            // make it resend entries in flight (under 32 concurrent clients, a storm of resends that stalled commits).
            if (askLeader && applied == appliedBefore && now - last >= COMMIT_INDEX_REQUEST_GAP_NANOS && lastCommitIndexRequest.compareAndSet(last, now)) {
                requestCommitIndex.run(); // outside the monitor: a send may wait for flow-control credits
            }
            appliedBefore = applied;
            until = Math.min(deadlineNanos, now + COMMIT_INDEX_REQUEST_GAP_NANOS);
        }
    }

    private boolean waitApplied(long index, long untilNanos) {
        synchronized (appliedMonitor) {
            while (settled.lastApplied() < index) {
                long left = untilNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(appliedMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Tests turn the asking off to see what the leader's pushes alone bring. */
    private volatile boolean askLeader = true;

    void askLeaderForCommitIndex(boolean on) {
        askLeader = on;
    }

    private static final long COMMIT_INDEX_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long COMMIT_INDEX_REQUEST_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private final java.util.concurrent.atomic.AtomicLong lastCommitIndexRequest = new java.util.concurrent.atomic.AtomicLong(
            System.nanoTime() - COMMIT_INDEX_REQUEST_GAP_NANOS);

    private static MetadataUnavailableException refused(String why) {
        return new MetadataUnavailableException("metadata change refused: " + why
                + "; nothing was applied (see galleonfs cluster status)");
    }

    private static MetadataUnavailableException unconfirmed(String why) {
        return new MetadataUnavailableException("metadata change not confirmed: " + why
                + "; it was handed to the Raft leader and may still be applied once a majority is reachable again"
                + " (check before retrying; see galleonfs cluster status)");
    }

    /**
     * Applies one committed entry: a lone command or a batch of them (see {@link RaftEntry}), all on one copy of the
     * state that is published once, so a batch costs one copy and one round of listeners instead of one per command.
     * Each command gets its own result, exactly as if it had been an entry of its own: a rejected command changes
     * nothing, so when one is rejected the copy is rebuilt from the published state with only the commands applied so
     * far (rejections are rare; this keeps "rejected changes nothing" true without trusting every transition to undo
     * its partial work).
     */
    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
        boolean batch = RaftEntry.isBatch(data, offset, length);
        List<MetaCommand> commands = RaftEntry.commands(data, offset, length);
        MetadataState base = current;
        MetadataState next = base.copy();
        List<MetaCommand> applied = new ArrayList<>(commands.size());
        List<MetaResult> results = new ArrayList<>(commands.size());
        for (MetaCommand command : commands) {
            MetaResult result = next.apply(command);
            if (result instanceof MetaResult.Applied) {
                applied.add(command);
            } else {
                next = base.copy();
                for (MetaCommand a : applied) {
                    next.apply(a);
                }
            }
            results.add(result);
        }
        if (!applied.isEmpty()) {
            publish(next);
        }
        return serializeResponse ? RaftEntry.reply(batch, results) : null;
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        int len = in.readInt();
        byte[] image = new byte[len];
        in.readFully(image);
        publish(MetadataState.restore(image));
    }

    /**
     * Makes {@code next} the state readers see and hands it to the listeners, without waiting for them: the apply
     * thread goes on with the next entry (listeners on this thread delayed every later commit and acknowledgement).
     * Waiters are woken when the listeners are done ({@link #onDelivered}), not here.
     */
    private void publish(MetadataState next) {
        current = next;
        listeners.publish(next); // only the apply thread publishes, so states reach the dispatcher in order
    }

    /** Size of the last snapshot image written ({@link SelfRemovingRaft} sizes the log between snapshots by it). */
    private volatile long lastImageBytes;

    long lastImageBytes() {
        return lastImageBytes;
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        byte[] image = current.snapshot();
        out.writeInt(image.length);
        out.write(image);
        lastImageBytes = image.length;
    }
}
