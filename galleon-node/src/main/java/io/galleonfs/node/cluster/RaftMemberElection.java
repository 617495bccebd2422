package io.galleonfs.node.cluster;

import java.util.List;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.ELECTION;

/**
 * jgroups-raft's view-based election with two rules about who leads: a node still joining never does, and the only
 * member of a one-member Raft group always does.
 *
 * <p>In jgroups-raft the view coordinator runs the vote and picks the best log among the view's members, whether they
 * are Raft members or not; on a tie the first member of the view wins. A joiner whose view merges with the founder's can
 * be that coordinator (the merged view's order follows the addresses), and a founder that has not written anything yet
 * ties with the joiner's empty log. Usually the founder's "I lead" reaches the joiner first and stops its vote, but on
 * a loaded machine the joiner's second voting round could finish first: it then elected itself, led a Raft group whose
 * other member is {@link ClusterNode#JOINING_PLACEHOLDER}, nobody answered its join request, and the join timed out.
 * Leaving its own vote out of the choice keeps the vote itself and elects the best real candidate.
 *
 * <p>Only the view coordinator starts a vote, and only once it sees a majority of <em>its own</em> Raft members in the
 * view. A founder whose discovery finds a joiner already waiting (the joiner's requests reached it first) joins the
 * joiner's view instead of forming its own: the joiner coordinates but never sees a majority (its second member is the
 * placeholder), and the founder is not the coordinator, so nobody voted and the join timed out. The only member of a
 * one-member group is its own majority, so it starts the vote whatever its place in the view, and elects itself: the
 * other answers come from nodes outside its group.
 */
final class RaftMemberElection extends ELECTION {

    RaftMemberElection() {
        // ELECTION's protocol id, not a new one: the election's headers stay the same on the wire, so members running
        // the plain ELECTION (an older release in a rolling upgrade) still understand this one
        setId(ClassConfigurator.getProtocolId(ELECTION.class));
    }

    @Override
    protected void handleView(View v) {
        super.handleView(v);
        if (votesAloneOutsideCoordinatorRole()) {
            startVotingThread();
        }
    }

    @Override
    protected Address determineLeader() {
        if (isSoleMember()) {
            return local_addr;
        }
        if (isJoining()) {
            getVotes().remove(local_addr);
        }
        return super.determineLeader();
    }

    /** True when this node must start the vote although the view's coordinator is someone else. */
    boolean votesAloneOutsideCoordinatorRole() {
        return view != null && isSoleMember() && !isViewCoordinator() && raft.leader() == null;
    }

    private boolean isJoining() {
        return members().contains(ClusterNode.JOINING_PLACEHOLDER);
    }

    private boolean isSoleMember() {
        List<String> members = members();
        return members.size() == 1 && members.getFirst().equals(raft.raftId());
    }

    private List<String> members() {
        return raft == null ? List.of() : raft.members();
    }

    /** The leader this coordinator would announce for the votes collected so far in {@code v}; for tests. */
    Address leaderFor(View v) {
        this.view = v;
        return determineLeader();
    }

    /** Installs {@code v} as this member's view without acting on it; for tests. */
    void viewForTest(View v) {
        this.view = v;
    }
}
