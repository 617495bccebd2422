package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplicationPolicyTest {
    private final MetadataState state = new MetadataState();

    @Test
    void theClassMinimumOverridesTheNodeDefaultButNeverExceedsTheCopiesTheVolumeHas() {
        ReplicationPolicy policy = new ReplicationPolicy(1, false);
        storageClass("two-needed", Map.of(ReplicationPolicy.MIN_REPLICAS, " 2 "));
        storageClass("plain", Map.of());

        assertEquals(2, policy.minHealthyCopies(state, volume("two-needed", 3)));
        assertEquals(1, policy.minHealthyCopies(state, volume("two-needed", 1)), "capped at the volume's copies");
        assertEquals(1, policy.minHealthyCopies(state, volume("plain", 3)), "the node's default");
        assertEquals(2, new ReplicationPolicy(2, false).minHealthyCopies(state, volume("plain", 3)));
        assertEquals(2, new ReplicationPolicy(2, false).minHealthyCopies(state, volume("no-such-class", 3)),
                "a class metadata no longer has: the node's default");
    }

    @Test
    void aMinimumThatIsNotAPositiveNumberCountsAsAbsent() {
        ReplicationPolicy policy = new ReplicationPolicy(2, false);
        storageClass("garbled", Map.of(ReplicationPolicy.MIN_REPLICAS, "two"));
        storageClass("zero", Map.of(ReplicationPolicy.MIN_REPLICAS, "0"));

        assertEquals(2, policy.minHealthyCopies(state, volume("garbled", 3)));
        assertEquals(2, policy.minHealthyCopies(state, volume("zero", 3)));
    }

    @Test
    void theClassStrategyOverridesTheNodeDefaultInAnyCase() {
        storageClass("async", Map.of(ReplicationPolicy.STRATEGY, " Asynchronous"));
        storageClass("sync", Map.of(ReplicationPolicy.STRATEGY, "synchronous"));
        storageClass("plain", Map.of());

        ReplicationPolicy synchronousNode = new ReplicationPolicy(1, false);
        assertTrue(synchronousNode.asynchronous(state, volume("async", 3)));
        assertFalse(synchronousNode.asynchronous(state, volume("plain", 3)));
        ReplicationPolicy asynchronousNode = new ReplicationPolicy(1, true);
        assertFalse(asynchronousNode.asynchronous(state, volume("sync", 3)));
        assertTrue(asynchronousNode.asynchronous(state, volume("plain", 3)));
    }

    private void storageClass(String name, Map<String, String> parameters) {
        MetaResult r = state.apply(new MetaCommand.CreateStorageClass(new StorageClassRecord(name, "galleonfs", parameters,
                StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false)));
        assertInstanceOf(MetaResult.Applied.class, r);
    }

    private static VolumeRecord volume(String storageClass, int copies) {
        return new VolumeRecord(UUID.randomUUID(), "v", VolumeType.PERSISTENT, 1 << 20, 4096, storageClass, copies,
                AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, "a", List.of(), List.of("a"));
    }
}
