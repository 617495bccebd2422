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

    private static JobRecord handed(String id, String node) {
        return new JobRecord(id, "backup", JobRecord.QUEUED, node, null, "t", null, "v", 0, 0, 0, null, null, null, 1, 0, 0, false);
    }

    @Test
    void aJobHandedToARestartedNodeIsKeptForItButFailedWhenTheNodeLeft() {
        FakeCluster c = new FakeCluster();
        c.members.put("me", "up");
        c.state.apply(new MetaCommand.PutJob(handed("to-me", "me")));
        c.state.apply(new MetaCommand.PutJob(handed("to-gone", "gone")));
        JobSupervisor s = new JobSupervisor(c, "now", Clock.systemUTC(), () -> { });
        java.util.List<String> ticks = new java.util.ArrayList<>();
        s.everyTick(() -> ticks.add("tick"));
        s.failJobsOfEarlierProcess();
        s.tick();
        assertEquals(JobRecord.QUEUED, c.state.backups().job("to-me").orElseThrow().state(), "not yet taken: the restarted node takes it");
        assertEquals(JobRecord.FAILED, c.state.backups().job("to-gone").orElseThrow().state(), "its node left: nobody would take it");
        assertEquals(1, ticks.size(), "every tick lets the node take its handed jobs");
    }

    @Test
    void aBackupJobThatEndsWithoutItsBodyFailsItsBackup() {
        MetadataState state = new MetadataState();
        io.galleonfs.node.meta.BackupRecord b = new io.galleonfs.node.meta.BackupRecord("b1", "vid", "v", "t", "full", null, "backup-b1",
                io.galleonfs.node.meta.BackupRecord.RUNNING, 10, 0, 0, 0, "j1", 1, 0, null, null);
        state.apply(new MetaCommand.CreateBackupTarget(new io.galleonfs.node.meta.BackupTargetRecord("t", "file:///x", null, null, false,
                null, null, "a2V5", "r", 1)));
        state.apply(new MetaCommand.PutBackup(b));
        JobRecord j = new JobRecord("j1", "backup", JobRecord.QUEUED, "n", null, "t", "b1", "v", 0, 0, 0, null, null, null, 1, 0, 0, true);
        state.apply(new MetaCommand.PutJob(j));
        assertEquals(io.galleonfs.node.meta.BackupRecord.RUNNING, state.backups().backup("b1").orElseThrow().status());
        state.apply(new MetaCommand.PutJob(new JobRecord("j1", "backup", JobRecord.CANCELLED, "n", "x", "t", "b1", "v", 0, 0, 0, null,
                "cancelled before it started", null, 1, 0, 2, true)));
        assertEquals(io.galleonfs.node.meta.BackupRecord.FAILED, state.backups().backup("b1").orElseThrow().status());
    }
}
