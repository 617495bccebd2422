package io.galleonfs.node.cluster;

import java.util.ArrayList;
import java.util.List;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.RAFT;

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

    /** True once this leader has applied its own removal and is only waiting for its followers to learn of it. */
    boolean removedWhileLeading() {
        return removedWhileLeading;
    }
}
