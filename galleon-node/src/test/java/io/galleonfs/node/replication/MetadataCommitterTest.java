package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataUnavailableException;
import io.galleonfs.node.meta.ReplicaRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataCommitterTest {
    private static final MetaCommand STALE_MARK = new MetaCommand.SetReplicaState(UUID.randomUUID(), 1, "n2",
            new ReplicaRecord(ReplicaRecord.STALE, 0));

    /** A cluster whose submits answer from a script; each pause advances the clock by its length. */
    private static final class ScriptedCluster implements ClusterView {
        final Deque<Object> answers = new ArrayDeque<>();
        volatile boolean majority = true;
        int submits;
        long now;

        @Override
        public String nodeId() {
            return "n1";
        }

        @Override
        public MetadataState state() {
            throw new UnsupportedOperationException("not used by the committer");
        }

        @Override
        public MetaResult submit(MetaCommand command) throws IOException {
            submits++;
            Object next = answers.isEmpty() ? new MetadataUnavailableException("metadata change not confirmed") : answers.poll();
            if (next instanceof IOException e) {
                throw e;
            }
            return (MetaResult) next;
        }

        @Override
        public boolean isLeader() {
            return false;
        }

        @Override
        public boolean majorityReachable() {
            return majority;
        }

        @Override
        public Map<String, String> memberStates() {
            return Map.of();
        }

        MetadataCommitter committer(Duration window) {
            return new MetadataCommitter(this, () -> now, d -> now += d.toNanos(), window, () -> false);
        }
    }

    @Test
    void anUnconfirmedStaleMarkIsSentAgainUntilANewLeaderCommitsIt() throws IOException {
        ScriptedCluster c = new ScriptedCluster();
        c.answers.add(new MetadataUnavailableException("not confirmed: leader died"));
        c.answers.add(new MetadataUnavailableException("refused: there is no leader"));
        c.answers.add(new MetaResult.Applied(7));
        c.committer(Duration.ofSeconds(20)).commit(STALE_MARK);
        assertEquals(3, c.submits);
    }

    @Test
    void theMinoritySideOfAPartitionFailsAtOnceInsteadOfWaitingOutTheWindow() {
        ScriptedCluster c = new ScriptedCluster();
        c.majority = false;
        IOException e = assertThrows(MetadataUnavailableException.class, () -> c.committer(Duration.ofSeconds(20)).commit(STALE_MARK));
        assertEquals(1, c.submits, "no retry without a reachable majority: " + e.getMessage());
        assertEquals(0, c.now, "no pause");
    }

    @Test
    void aMajorityLostDuringTheRetriesEndsThem() {
        ScriptedCluster c = new ScriptedCluster();
        c.answers.add(new MetadataUnavailableException("not confirmed within 5 s"));
        MetadataCommitter committer = new MetadataCommitter(c, () -> c.now, d -> {
            c.now += d.toNanos();
            c.majority = false; // the view shrinks while the write waits
        }, Duration.ofSeconds(20), () -> false);
        assertThrows(MetadataUnavailableException.class, () -> committer.commit(STALE_MARK));
        assertEquals(2, c.submits);
    }

    @Test
    void retriesEndWithTheWindow() {
        ScriptedCluster c = new ScriptedCluster();
        assertThrows(MetadataUnavailableException.class, () -> c.committer(Duration.ofSeconds(2)).commit(STALE_MARK));
        assertEquals(10, c.submits, "one attempt, then one every 250 ms until the 2 s window has passed");
    }

    @Test
    void otherCommandsAndRejectionsAreNotRetried() {
        ScriptedCluster c = new ScriptedCluster();
        assertThrows(MetadataUnavailableException.class,
                () -> c.committer(Duration.ofSeconds(20)).commit(new MetaCommand.PromotePrimary(UUID.randomUUID(), 1, "n2")));
        assertEquals(1, c.submits);
        c.answers.add(new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "epoch moved on"));
        IOException e = assertThrows(IOException.class, () -> c.committer(Duration.ofSeconds(20)).commit(STALE_MARK));
        assertEquals("epoch moved on", e.getMessage());
        assertEquals(2, c.submits);
    }
}
