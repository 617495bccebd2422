package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.election.VoteResponse;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

/** The vote a view coordinator runs: what it elects from the answers it collected, by who it is. */
class JoinerNeverLeadsElectionTest {
    private final Address joiner = Util.createRandomAddress("node-b");
    private final Address founder = Util.createRandomAddress("node-a");
    private final Address other = Util.createRandomAddress("node-c");

    @Test
    void aJoiningCoordinatorElectsTheFounderWhenTheirLogsTie() {
        // the CI failure: both logs empty, the joiner first in the merged view
        JoinerNeverLeadsElection election = coordinator(joiner, List.of("node-b", ClusterNode.JOINING_PLACEHOLDER), joiner, founder);
        answer(election, joiner, 0, 0);
        answer(election, founder, 0, 0);

        assertEquals(founder, election.leaderFor(View.create(joiner, 2, joiner, founder)));
    }

    @Test
    void aJoiningCoordinatorElectsTheBestLogAmongTheOthers() {
        JoinerNeverLeadsElection election = coordinator(joiner, List.of("node-b", ClusterNode.JOINING_PLACEHOLDER), joiner, founder, other);
        answer(election, joiner, 0, 0);
        answer(election, founder, 1, 4);
        answer(election, other, 2, 3);

        assertEquals(other, election.leaderFor(View.create(joiner, 3, joiner, founder, other)));
    }

    @Test
    void aMemberCoordinatorStillWinsATieAsTheFirstInTheView() {
        JoinerNeverLeadsElection election = coordinator(joiner, List.of("node-b", "node-a"), joiner, founder);
        answer(election, joiner, 0, 0);
        answer(election, founder, 0, 0);

        assertEquals(joiner, election.leaderFor(View.create(joiner, 2, joiner, founder)));
    }

    private static JoinerNeverLeadsElection coordinator(Address self, List<String> raftMembers, Address... asked) {
        JoinerNeverLeadsElection election = new JoinerNeverLeadsElection();
        election.getVotes().reset(asked);
        election.raft(new RAFT().members(raftMembers));
        election.setAddress(self);
        return election;
    }

    private static void answer(JoinerNeverLeadsElection election, Address from, long lastLogTerm, long lastLogIndex) {
        election.getVotes().add(from, new VoteResponse(5, lastLogTerm, lastLogIndex));
    }
}
