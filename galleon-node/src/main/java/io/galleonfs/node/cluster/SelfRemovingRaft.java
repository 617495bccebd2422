package io.galleonfs.node.cluster;

import java.util.ArrayList;
import java.util.List;
import org.jgroups.Address;
import org.jgroups.ObjectMessage;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.Message;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.RaftHeader;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.util.CommitTable;

/**
 * RAFT that lets a leader remove itself without stranding the others.
 *
 * <p>jgroups-raft 1.1 applies a membership change when a member learns that it is committed, and a leader that
 * applies its own removal steps down at once. Its followers then never hear that the removal committed, keep counting
 * the old leader as a voter, and with one more member down can never again elect a leader. Here the leader applies
 * its own removal to the member list but keeps leading until {@link ClusterNode#leave()} has seen every reachable
 * follower confirm the commit; then the node closes its channel and the others elect a leader among themselves.
 */
final class SelfRemovingRaft extends RAFT {
    private volatile boolean removedWhileLeading;

    SelfRemovingRaft() {
        // JGroups finds a protocol's headers by the id registered for its class; a subclass speaks as RAFT.
        setId(ClassConfigurator.getProtocolId(RAFT.class));
    }

    /** The {@code max_log_size} this member was configured with: the least log it keeps before a snapshot. */
    private volatile long configuredMaxLogSize = -1;

    @Override
    public RAFT maxLogSize(long size) {
        configuredMaxLogSize = size;
        return super.maxLogSize(size);
    }

    /**
     * A snapshot is the JSON image of the whole metadata state, written once the log has grown by {@code max_log_size}
     * since the last one: with a fixed 1 MiB threshold a 20,000-volume cluster wrote a ~10 MB image every ~2,000
     * creates, on every member's Raft thread (a sixth of its CPU under creates, and a stall of every commit meanwhile).
     * So the threshold follows the image: the log may grow to a quarter of the last image (never below the configured
     * size) before the next snapshot, which bounds the snapshot work per logged byte at four bytes of image whatever the
     * volume count, and the log replayed at a restart at a quarter of the image.
     */
    @Override
    protected void takeSnapshot() throws Exception {
        super.takeSnapshot();
        long floor = configuredMaxLogSize;
        if (floor > 0 && state_machine instanceof RaftMetadataStore store) {
            super.maxLogSize(Math.max(floor, store.lastImageBytes() / 4));
        }
    }

    @Override
    protected void _removeServer(String name) {
        if (name != null && name.equals(raft_id) && isLeader()) {
            List<String> members = new ArrayList<>(internal_state.getMembers());
            if (members.remove(name)) {
                internal_state.setMembers(members);
                computeMajority();
                removedWhileLeading = true;
            }
            return;
        }
        super._removeServer(name);
    }

    /**
     * Tells one follower the commit index, and nothing else: the entry-less AppendEntries jgroups-raft itself sends
     * with {@code send_commits_immediately}. {@code flushCommitTable(member)} would instead resend every entry the
     * follower has not acknowledged yet, which under many concurrent changes through a follower (each asking) became a
     * storm of duplicate appends that stalled commits past the 5 s metadata timeout.
     *
     * <p>A follower commits such a message up to {@code min(leader_commit, its last appended)} without checking that
     * its log matches ours, so the index sent is capped at what it has acknowledged to this leader (its match index):
     * up to there its log is ours. Uncapped, a former leader still holding an entry nobody committed applied it when
     * it asked (ClusterIT caught that: a refused volume appeared and vanished again).
     */
    void sendCommitIndexTo(Address member) {
        CommitTable table = commitTable();
        if (!isLeader() || table == null) {
            return;
        }
        CommitTable.Entry follower = table.get(member);
        if (follower == null) {
            return;
        }
        long safe = Math.min(committed(), follower.matchIndex());
        if (safe <= follower.commitIndex()) {
            return; // nothing it does not know yet; entries still in flight bring the rest
        }
        long term = currentTerm();
        down(new ObjectMessage(member, null).putHeader(getId(), new AppendEntriesRequest(getAddress(), term, 0, 0, term, safe)));
    }

    /**
     * On the leader, answers every follower's acknowledgement with the commit index it may now apply up to (capped as in
     * {@link #sendCommitIndexTo}; nothing when it knows no less already). A change made through a follower returns there
     * only once the follower has applied it (read-your-writes), and jgroups-raft tells followers the commit index only
     * with the next append or its resend task (200 ms): a follower then waited 1 ms and asked ({@code
     * CommitIndexRequest}), a round trip after the leader's answer; a follower that asks nothing applied a lone change
     * 0-200 ms late. Per acknowledgement and not per commit: the follower whose acknowledgement came after the commit
     * (the majority was already there) needs it too. Only while nothing uncommitted is in flight: otherwise the appends
     * of those entries bring the commit index anyway, and pushing it per acknowledgement under 32 concurrent clients
     * through a follower cost 12-17 % of their rate in extra messages (docs/BENCHMARKS.md). jgroups-raft's own {@code
     * send_commits_immediately} sends the uncapped commit index to every member, which stalled a freshly added member
     * in our tests.
     */
    @Override
    public void handleUpRequest(Message msg, RaftHeader hdr) {
        super.handleUpRequest(msg, hdr);
        Address follower = msg.getSrc();
        if (hdr instanceof AppendEntriesResponse && follower != null && isLeader()) {
            Long owedIndex = owed.get(follower);
            if ((pushWhenIdle && lastAppended() <= commitIndex()) || owedIndex != null) {
                long safe = pushCommitIndex(follower);
                if (owedIndex != null && safe >= owedIndex) {
                    owed.remove(follower, owedIndex);
                }
            }
        }
    }

    /**
     * Sends {@code follower} the commit index it may apply up to, once per index and follower (the follower answers
     * the message too, and a follower whose own commit index cannot reach it, a joiner's, would otherwise be told again
     * on every answer, forever). Returns that capped index.
     */
    private long pushCommitIndex(Address follower) {
        long safe = safeCommitIndexFor(follower);
        Long before = pushed.get(follower);
        if (safe > 0 && (before == null || safe > before)) {
            pushed.put(follower, safe);
            sendCommitIndexTo(follower);
        }
        return safe;
    }

    /** The commit index last pushed to each follower. */
    private final java.util.Map<Address, Long> pushed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Followers answered a forwarded change whose commit index could not be told with the answer (their acknowledgement
     * of the entry had not arrived yet: the majority was the leader and another follower): the commit index the answer
     * covered. Their next acknowledgement gets the push, in flight or not.
     */
    private final java.util.Map<Address, Long> owed = new java.util.concurrent.ConcurrentHashMap<>();

    private static final short REDIRECT_ID = redirectId();

    /** REDIRECT registers its id in its static initializer, which naming its class does not run. */
    private static short redirectId() {
        try {
            Class.forName(REDIRECT.class.getName(), true, REDIRECT.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return ClassConfigurator.getProtocolId(REDIRECT.class);
    }

    /**
     * A follower's change is forwarded to the leader (REDIRECT) and answered once the leader has applied it; the
     * follower's caller then still waits until the follower has applied it too (read-your-writes), which needs the
     * commit index. Under concurrent changes through a follower entries are always in flight, so neither the push on an
     * idle acknowledgement nor the follower's own ask (which waits while its applied index moves) brought it: the
     * follower's callers waited for a later entry's append, ~10 ms per create with 32 clients (docs/BENCHMARKS.md,
     * metaops5). So the leader sends the follower the commit index (capped as in {@link #sendCommitIndexTo}) just ahead
     * of every answer: both go to the same member in order (UNICAST3), so the follower's runner can apply the entry
     * while the answer travels. A REDIRECT message going down on a leader is an answer to a forwarded change or
     * membership request (a leader forwards nothing); the commit message is harmless to any member.
     */
    @Override
    public Object down(Message msg) {
        Address to = msg.getDest();
        if (to != null && msg.getHeader(REDIRECT_ID) != null && isLeader() && !to.equals(getAddress())) {
            long safe = pushCommitIndex(to);
            long commit = committed();
            if (safe < commit) {
                owed.merge(to, commit, Math::max);
            }
        }
        return super.down(msg);
    }

    /**
     * The index this leader is committing: jgroups-raft applies the entries (and answers their callers) before it
     * raises its commit index, so while an answer goes out {@link #commitIndex()} still names the previous one.
     */
    private volatile long committing;

    @Override
    protected RAFT commitLogTo(long index, boolean apply) {
        if (isLeader()) {
            // (on a follower the index comes from the leader, which may cap it; only a leader's majority counts here)
            committing = Math.min(index, lastAppended());
        }
        return super.commitLogTo(index, apply);
    }

    /** Entries up to here are committed (a majority has them), whether or not they are applied yet. */
    private long committed() {
        return Math.max(commitIndex(), committing);
    }

    /** Tests turn it off to see the pushes with answers alone. */
    private volatile boolean pushWhenIdle = true;

    void pushWhenIdle(boolean on) {
        pushWhenIdle = on;
    }

    private long safeCommitIndexFor(Address member) {
        CommitTable table = commitTable();
        CommitTable.Entry e = table == null ? null : table.get(member);
        return e == null ? -1 : Math.min(committed(), e.matchIndex());
    }

    /** True once this leader has applied its own removal and is only waiting for its followers to learn of it. */
    boolean removedWhileLeading() {
        return removedWhileLeading;
    }
}
