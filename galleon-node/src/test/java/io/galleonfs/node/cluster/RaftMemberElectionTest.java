package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.election.VoteResponse;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

/** Who starts a vote, and what it elects from the answers it collected, by who it is. */
class RaftMemberElectionTest {
    private final Address joiner = Util.createRandomAddress("node-b");
    private final Address founder = Util.createRandomAddress("node-a");
    private final Address other = Util.createRandomAddress("node-c");

    @Test
    void aJoiningCoordinatorElectsTheFounderWhenTheirLogsTie() {
        // the CI failure: both logs empty, the joiner first in the merged view
        RaftMemberElection election = coordinator(joiner, List.of("node-b", ClusterNode.JOINING_PLACEHOLDER), joiner, founder);
        answer(election, joiner, 0, 0);
        answer(election, founder, 0, 0);

        assertEquals(founder, election.leaderFor(View.create(joiner, 2, joiner, founder)));
    }

    @Test
    void aJoiningCoordinatorElectsTheBestLogAmongTheOthers() {
        RaftMemberElection election = coordinator(joiner, List.of("node-b", ClusterNode.JOINING_PLACEHOLDER), joiner, founder, other);
        answer(election, joiner, 0, 0);
        answer(election, founder, 1, 4);
        answer(election, other, 2, 3);

        assertEquals(other, election.leaderFor(View.create(joiner, 3, joiner, founder, other)));
    }

    @Test
    void aMemberCoordinatorStillWinsATieAsTheFirstInTheView() {
        RaftMemberElection election = coordinator(joiner, List.of("node-b", "node-a"), joiner, founder);
        answer(election, joiner, 0, 0);
        answer(election, founder, 0, 0);

        assertEquals(joiner, election.leaderFor(View.create(joiner, 2, joiner, founder)));
    }

    @Test
    void theOnlyMemberOfAOneMemberGroupElectsItselfWhateverTheOtherAnswers() {
        // the founder joined the waiting joiner's view: the joiner is first, and its log ties with the founder's
        RaftMemberElection election = coordinator(founder, List.of("node-a"), joiner, founder);
        answer(election, joiner, 3, 9);
        answer(election, founder, 0, 0);

        assertEquals(founder, election.leaderFor(View.create(joiner, 2, joiner, founder)));
    }

    @Test
    void onlyTheSoleMemberOfAGroupVotesWithoutBeingTheViewsCoordinator() {
        View joinerFirst = View.create(joiner, 2, joiner, founder);
        View founderFirst = View.create(founder, 2, founder, joiner);

        assertTrue(viewedBy(founder, List.of("node-a"), joinerFirst).votesAloneOutsideCoordinatorRole(),
                "a founder inside the joiner's view starts the vote");
        assertFalse(viewedBy(founder, List.of("node-a"), founderFirst).votesAloneOutsideCoordinatorRole(),
                "the coordinator's vote is jgroups-raft's own");
        assertFalse(viewedBy(founder, List.of("node-a", "node-c"), joinerFirst).votesAloneOutsideCoordinatorRole(),
                "a member of a larger group waits for its coordinator");
        assertFalse(viewedBy(joiner, List.of("node-b", ClusterNode.JOINING_PLACEHOLDER), founderFirst).votesAloneOutsideCoordinatorRole(),
                "a joiner never starts a vote");
    }

    private RaftMemberElection viewedBy(Address self, List<String> raftMembers, View v) {
        RaftMemberElection election = coordinator(self, raftMembers);
        election.viewForTest(v);
        return election;
    }

    private static RaftMemberElection coordinator(Address self, List<String> raftMembers, Address... asked) {
        RaftMemberElection election = new RaftMemberElection();
        election.getVotes().reset(asked);
        election.raft(new RAFT().members(raftMembers).raftId(self.toString()));
        election.setAddress(self);
        return election;
    }

    private static void answer(RaftMemberElection election, Address from, long lastLogTerm, long lastLogIndex) {
        election.getVotes().add(from, new VoteResponse(5, lastLogTerm, lastLogIndex));
    }
}
