package io.galleonfs.node.cluster;

import java.util.ArrayList;
import java.util.List;
import org.jgroups.Address;
import org.jgroups.ObjectMessage;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.RAFT;
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
        long safe = Math.min(commitIndex(), follower.matchIndex());
        if (safe <= follower.commitIndex()) {
            return; // nothing it does not know yet; entries still in flight bring the rest
        }
        long term = currentTerm();
        down(new ObjectMessage(member, null).putHeader(getId(), new AppendEntriesRequest(getAddress(), term, 0, 0, term, safe)));
    }

    /** True once this leader has applied its own removal and is only waiting for its followers to learn of it. */
    boolean removedWhileLeading() {
        return removedWhileLeading;
    }
}
