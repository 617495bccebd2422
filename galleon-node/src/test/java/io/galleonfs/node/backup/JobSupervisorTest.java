package io.galleonfs.node.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.replication.ClusterView;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JobSupervisorTest {

    /** A one-state cluster: commands apply directly. */
    private static final class FakeCluster implements ClusterView {
        final MetadataState state = new MetadataState();
        final Map<String, String> members = new HashMap<>();
        boolean leader = true;

        @Override
        public String nodeId() {
            return "me";
        }

        @Override
        public MetadataState state() {
            return state;
        }

        @Override
        public MetaResult submit(MetaCommand command) {
            return state.apply(command);
        }

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public Map<String, String> memberStates() {
            return members;
        }
    }

    private static JobRecord running(String id, String node, String incarnation) {
        return new JobRecord(id, "backup", JobRecord.RUNNING, node, incarnation, "t", null, "v", 1, 2, 1, "reading", null, null, 1, 1, 0, false);
    }

    @Test
    void aRestartedNodeFailsItsEarlierProcessesJobsAndCleansUp() {
        FakeCluster c = new FakeCluster();
        c.members.put("me", "up");
        c.state.apply(new MetaCommand.PutJob(running("old", "me", "before")));
        c.state.apply(new MetaCommand.PutJob(running("mine", "me", "now")));
        AtomicInteger cleanUps = new AtomicInteger();
        new JobSupervisor(c, "now", Clock.systemUTC(), cleanUps::incrementAndGet).failJobsOfEarlierProcess();
        JobRecord old = c.state.backups().job("old").orElseThrow();
        assertEquals(JobRecord.FAILED, old.state());
        assertTrue(old.error().contains("restarted while the job ran"), old.error());
        assertEquals(JobRecord.RUNNING, c.state.backups().job("mine").orElseThrow().state());
        assertEquals(1, cleanUps.get());
    }

    @Test
    void theLeaderFailsJobsOfMembersThatLeftTheViewButNotOfSuspectOnes() {
        FakeCluster c = new FakeCluster();
        c.members.put("me", "up");
        c.members.put("slow", "suspect");
        c.members.put("dead", "down");
        c.state.apply(new MetaCommand.PutJob(running("a", "dead", "x")));
        c.state.apply(new MetaCommand.PutJob(running("b", "slow", "y")));
        c.state.apply(new MetaCommand.PutJob(running("c", "gone", "z")));
        JobSupervisor s = new JobSupervisor(c, "now", Clock.systemUTC(), () -> { });
        c.leader = false;
        s.tick();
        assertEquals(JobRecord.RUNNING, c.state.backups().job("a").orElseThrow().state(), "only the leader decides");
        c.leader = true;
        s.tick();
        assertEquals(JobRecord.FAILED, c.state.backups().job("a").orElseThrow().state());
        assertTrue(c.state.backups().job("a").orElseThrow().error().contains("left the cluster"));
        assertEquals(JobRecord.FAILED, c.state.backups().job("c").orElseThrow().state());
        assertEquals(JobRecord.RUNNING, c.state.backups().job("b").orElseThrow().state());
    }
}
