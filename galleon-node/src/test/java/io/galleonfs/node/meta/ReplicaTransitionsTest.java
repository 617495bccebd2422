package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReplicaTransitionsTest {
    private final UUID id = UUID.randomUUID();
    private MetadataState state;

    @BeforeEach
    void volumeOnThreeNodes() {
        state = new MetadataState();
        BuiltInStorageClasses.all().forEach(c -> state.apply(new MetaCommand.CreateStorageClass(c)));
        state.apply(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, 1 << 20, 4096, "fast-local-ssd", 3,
                AccessMode.READ_WRITE_ONCE, false, 0, "a", List.of(), List.of("a", "b", "c"))));
    }

    private VolumeRecord v() {
        return state.volume(id).orElseThrow();
    }

    @Test
    void promotionMovesThePrimaryBumpsTheEpochAndMarksTheOldPrimaryStale() {
        assertEquals(1, v().epoch());
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.PromotePrimary(id, 1, "b")));
        assertEquals("b", v().node());
        assertEquals(2, v().epoch());
        assertEquals(List.of("b", "a", "c"), v().replicaNodes());
        assertEquals(ReplicaRecord.STALE, v().replicaState("a").state());
        assertEquals(ReplicaRecord.HEALTHY, v().replicaState("c").state());
    }

    @Test
    void promotionDecidedOnAnOldEpochIsRefused() {
        state.apply(new MetaCommand.PromotePrimary(id, 1, "b"));
        MetaResult r = state.apply(new MetaCommand.PromotePrimary(id, 1, "c"));
        assertInstanceOf(MetaResult.Rejected.class, r);
        assertEquals("b", v().node());
    }

    @Test
    void aStaleReplicaCannotBecomePrimary() {
        state.apply(new MetaCommand.SetReplicaState(id, 1, "c", new ReplicaRecord(ReplicaRecord.STALE, 0)));
        MetaResult r = state.apply(new MetaCommand.PromotePrimary(id, 1, "c"));
        assertEquals(MetaResult.Reason.CONFLICT, ((MetaResult.Rejected) r).reason());
        assertEquals("a", v().node());
    }

    @Test
    void aDeposedPrimaryCannotChangeReplicaStates() {
        state.apply(new MetaCommand.PromotePrimary(id, 1, "b"));
        MetaResult r = state.apply(new MetaCommand.SetReplicaState(id, 1, "c", new ReplicaRecord(ReplicaRecord.STALE, 0)));
        assertInstanceOf(MetaResult.Rejected.class, r);
        assertEquals(ReplicaRecord.HEALTHY, v().replicaState("c").state());
    }

    @Test
    void movedReplicaStartsRebuilding() {
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.MoveReplica(id, 1, "c", "d")));
        assertEquals(List.of("a", "b", "d"), v().replicaNodes());
        assertEquals(ReplicaRecord.REBUILDING, v().replicaState("d").state());
        assertInstanceOf(MetaResult.Rejected.class, state.apply(new MetaCommand.MoveReplica(id, 1, "a", "e")));
    }

    @Test
    void theOnlyCopyLeavesItsNodeByAddPromoteDrop() {
        UUID solo = UUID.randomUUID();
        state.apply(new MetaCommand.CreateVolume(new VolumeRecord(solo, "solo", VolumeType.PERSISTENT, 1 << 20, 4096, "fast-local-ssd",
                1, AccessMode.READ_WRITE_ONCE, false, 0, "a", List.of(), List.of("a"))));
        assertInstanceOf(MetaResult.Rejected.class, state.apply(new MetaCommand.AddReplica(solo, 1, "a")), "a already holds it");
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.AddReplica(solo, 1, "b")));
        VolumeRecord added = state.volume(solo).orElseThrow();
        assertEquals(List.of("a", "b"), added.replicaNodes());
        assertEquals(ReplicaRecord.REBUILDING, added.replicaState("b").state());
        assertEquals(MetaResult.Reason.CONFLICT, ((MetaResult.Rejected) state.apply(new MetaCommand.PromotePrimary(solo, 1, "b"))).reason(),
                "a rebuilding copy cannot take over");

        state.apply(new MetaCommand.SetReplicaState(solo, 1, "b", new ReplicaRecord(ReplicaRecord.HEALTHY, 100)));
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.PromotePrimary(solo, 1, "b")));
        assertEquals(MetaResult.Reason.INVALID, ((MetaResult.Rejected) state.apply(new MetaCommand.DropReplica(solo, 2, "b"))).reason(),
                "the primary's copy is never dropped");
        assertInstanceOf(MetaResult.Rejected.class, state.apply(new MetaCommand.DropReplica(solo, 1, "a")), "old epoch");
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.DropReplica(solo, 2, "a")));
        VolumeRecord moved = state.volume(solo).orElseThrow();
        assertEquals("b", moved.node());
        assertEquals(List.of("b"), moved.replicaNodes());
        assertEquals(java.util.Map.of(), moved.replicaStates());
    }

    @Test
    void aCopyThatIsNotSurplusIsNeverDropped() {
        MetaResult r = state.apply(new MetaCommand.DropReplica(id, 1, "c"));
        assertEquals(MetaResult.Reason.CONFLICT, ((MetaResult.Rejected) r).reason());
        assertEquals(List.of("a", "b", "c"), v().replicaNodes());
    }

    @Test
    void replicaStatesSurviveASnapshotOfTheStateMachine() throws Exception {
        state.apply(new MetaCommand.PromotePrimary(id, 1, "b"));
        MetadataState copy = MetadataState.restore(state.snapshot());
        assertEquals(v(), copy.volume(id).orElseThrow());
    }
}
