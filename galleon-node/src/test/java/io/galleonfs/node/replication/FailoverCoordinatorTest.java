package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.galleonfs.api.AccessMode;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.api.VolumeType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The leader's failover decisions against a scripted cluster: member states, data-plane answers and a manual clock. */
class FailoverCoordinatorTest {
    private static final long SECOND = 1_000_000_000L;

    private static final class ScriptedCluster implements FailoverCoordinator.Cluster, ClusterView {
        final MetadataState state = new MetadataState();
        final Map<String, String> members = new HashMap<>(Map.of("n1", "up", "n2", "up", "n3", "up"));
        /** Nodes that answer status requests, with the applied seq they report. */
        final Map<String, Long> answering = new HashMap<>(Map.of("n1", 10L, "n2", 9L, "n3", 10L));
        final List<String> probed = new ArrayList<>();
        final List<MetaCommand> submitted = new ArrayList<>();
        int failovers;

        @Override
        public ClusterView view() {
            return this;
        }

        @Override
        public Map<String, DataMessage.Status> statuses(VolumeRecord v, Iterable<String> nodes) {
            Map<String, DataMessage.Status> out = new HashMap<>();
            for (String n : nodes) {
                probed.add(n);
                Long seq = answering.get(n);
                if (seq != null) {
                    out.put(n, new DataMessage.Status(seq, v.epoch(), 1, true));
                }
            }
            return out;
        }

        @Override
        public MetaResult submit(MetaCommand command) {
            submitted.add(command);
            return state.apply(command);
        }

        @Override
        public Duration replicaGrace() {
            return Duration.ofMinutes(10);
        }

        @Override
        public Optional<String> replacementFor(VolumeRecord v) {
            return Optional.empty();
        }

        @Override
        public void countFailover() {
            failovers++;
        }

        @Override
        public String nodeId() {
            return "n2";
        }

        @Override
        public MetadataState state() {
            return state;
        }

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public Map<String, String> memberStates() {
            return members;
        }

        UUID volume(String name) {
            return volume(name, "n1");
        }

        UUID volume(String name, String primary) {
            UUID id = UUID.randomUUID();
            List<String> copies = new ArrayList<>(List.of(primary));
            List.of("n1", "n2", "n3").stream().filter(n -> !n.equals(primary)).limit(2).forEach(copies::add);
            state.apply(new MetaCommand.CreateVolume(new VolumeRecord(id, name, VolumeType.PERSISTENT, 1 << 20, 4096,
                    BuiltInStorageClasses.FAST_LOCAL_SSD, 3, AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, primary, List.of(),
                    copies)));
            return id;
        }

        String primary(UUID id) {
            return state.volume(id).orElseThrow().node();
        }
    }

    private long now;

    private FailoverCoordinator coordinator(ScriptedCluster c) {
        BuiltInStorageClasses.all().forEach(sc -> c.state.apply(new MetaCommand.CreateStorageClass(sc)));
        return new FailoverCoordinator(c, () -> now);
    }

    @Test
    void aPrimaryThatLeftTheViewIsReplacedByTheReplicaThatAppliedTheMost() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        c.members.put("n1", "down");
        c.answering.remove("n1");
        f.check();
        assertEquals("n3", c.primary(v), "n3 applied seq 10, n2 only 9");
        assertEquals(1, c.failovers);
        assertEquals(Set.of("n2", "n3"), new HashSet<>(c.probed), "a node that left the view is not probed");
    }

    @Test
    void aSuspectPrimaryIsReplacedOnlyAfterTheGraceAndOnlyIfItDoesNotAnswer() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        c.members.put("n1", "suspect");
        c.answering.remove("n1");
        f.check();
        now += FailoverCoordinator.SUSPECT_FAILOVER_NANOS;
        f.check();
        assertEquals("n1", c.primary(v), "not before the suspect grace has passed");
        assertEquals(List.of(), c.submitted);
        now += SECOND;
        f.check();
        assertEquals("n3", c.primary(v), "frozen or cut off: no heartbeat and no answer");
    }

    /** Heartbeats stall on a loaded machine and while partitions merge: a primary that answers keeps its volumes. */
    @Test
    void aSuspectPrimaryThatAnswersOnTheDataPlaneKeepsItsVolumes() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID a = c.volume("a");
        UUID b = c.volume("b");
        c.members.put("n1", "suspect");
        f.check();
        now += 10 * SECOND;
        f.check();
        f.check();
        assertEquals("n1", c.primary(a));
        assertEquals("n1", c.primary(b));
        assertEquals(List.of(), c.submitted, "no promotion of a serving primary");
        assertEquals(List.of("n1", "n1"), c.probed, "one probe of the suspect node per check, not one per volume");

        c.answering.remove("n1"); // now it stops answering too
        f.check();
        assertEquals("n3", c.primary(a));
        assertEquals("n3", c.primary(b));
        assertEquals(2, c.failovers);
    }

    @Test
    void aSuspectThatRecoversStartsItsGraceAgain() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        c.answering.remove("n1");
        c.members.put("n1", "suspect");
        f.check();
        now += 2 * SECOND;
        c.members.put("n1", "up");
        f.check();
        c.members.put("n1", "suspect");
        now += 2 * SECOND;
        f.check();
        now += 2 * SECOND;
        f.check();
        assertEquals("n1", c.primary(v), "suspect for 2 s twice is not suspect for 4 s");
        now += 2 * SECOND;
        f.check();
        assertEquals("n3", c.primary(v));
    }

    /** A leader that lost and regained leadership starts counting afresh: a suspicion from its last term is stale. */
    @Test
    void suspicionsFromAnEarlierLeadershipDoNotCount() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        c.answering.remove("n1");
        c.members.put("n1", "suspect");
        f.check();
        now += 60 * SECOND; // another node led meanwhile; n1 came back, and now misses heartbeats again
        f.notLeading();
        f.check();
        assertEquals("n1", c.primary(v), "suspect for a moment, not for a minute");
        now += FailoverCoordinator.SUSPECT_FAILOVER_NANOS + SECOND;
        f.check();
        assertEquals("n3", c.primary(v));
    }

    @Test
    void withoutAHealthyUpReplicaNothingIsPromoted() throws IOException {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        c.members.put("n1", "down");
        c.members.put("n2", "suspect");
        MetaResult stale = c.state.apply(new MetaCommand.SetReplicaState(v, c.state.volume(v).orElseThrow().epoch(), "n3",
                new io.galleonfs.node.meta.ReplicaRecord(io.galleonfs.node.meta.ReplicaRecord.STALE, 0)));
        assertInstanceOf(MetaResult.Applied.class, stale, String.valueOf(stale));
        f.check();
        assertEquals("n1", c.primary(v), "n2 is suspect and n3 stale: the volume waits, faulted");
        assertEquals(0, c.failovers);
    }

    /** A primary that leaves the member set entirely is replaced at the next check, even while the rest is calm. */
    @Test
    void aPrimaryRemovedFromTheMembersIsReplacedAtOnceInACalmCluster() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        UUID v = c.volume("v");
        f.check(); // all up, nothing to do: calm
        c.members.remove("n1");
        c.answering.remove("n1");
        now += SECOND;
        f.check();
        assertEquals("n3", c.primary(v), "the member set changed: the volumes are walked at once");
    }

    /**
     * While every member stays up the walk over all volumes runs every {@link FailoverCoordinator#CALM_WALK_NANOS};
     * a volume whose primary is no member (a create that raced a removal) is found by the next such walk.
     */
    @Test
    void aCalmClusterWalksItsVolumesOnlyEveryCalmInterval() {
        ScriptedCluster c = new ScriptedCluster();
        FailoverCoordinator f = coordinator(c);
        c.volume("a");
        f.check(); // calm
        UUID orphan = c.volume("orphan", "n4"); // n4 is not a member
        now += SECOND;
        f.check();
        assertEquals("n4", c.primary(orphan), "within the calm interval nothing is walked");
        assertEquals(List.of(), c.submitted);
        now += FailoverCoordinator.CALM_WALK_NANOS;
        f.check();
        assertEquals("n1", c.primary(orphan), "the next full walk replaces it with the replica that applied the most (n1: 10, n2: 9)");
        assertEquals(1, c.failovers);
    }
}
