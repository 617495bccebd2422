package io.galleonfs.node.cluster;

import java.util.List;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.ELECTION;

/**
 * jgroups-raft's view-based election, except that a node still joining never names itself leader.
 *
 * <p>In jgroups-raft the view coordinator runs the vote and picks the best log among the view's members, whether they
 * are Raft members or not; on a tie the first member of the view wins. A joiner whose view merges with the founder's can
 * be that coordinator (the merged view's order follows the addresses), and a founder that has not written anything yet
 * ties with the joiner's empty log. Usually the founder's "I lead" reaches the joiner first and stops its vote, but on
 * a loaded machine the joiner's second voting round could finish first: it then elected itself, led a Raft group whose
 * other member is {@link ClusterNode#JOINING_PLACEHOLDER}, nobody answered its join request, and the join timed out.
 * Leaving its own vote out of the choice keeps the vote itself (a joiner that is the coordinator still runs it, which a
 * cluster whose leader is gone may need) and elects the best real candidate.
 */
final class JoinerNeverLeadsElection extends ELECTION {

    JoinerNeverLeadsElection() {
        // ELECTION's protocol id, not a new one: the election's headers stay the same on the wire, so members running
        // the plain ELECTION (an older release in a rolling upgrade) still understand this one
        setId(ClassConfigurator.getProtocolId(ELECTION.class));
    }

    @Override
    protected Address determineLeader() {
        if (isJoining()) {
            getVotes().remove(local_addr);
        }
        return super.determineLeader();
    }

    private boolean isJoining() {
        List<String> members = raft == null ? List.of() : raft.members();
        return members.contains(ClusterNode.JOINING_PLACEHOLDER);
    }

    /** The leader this coordinator would announce for the votes collected so far in {@code v}; for tests. */
    Address leaderFor(View v) {
        this.view = v;
        return determineLeader();
    }
}
