package io.galleonfs.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.VolumeRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jgroups.protocols.raft.RAFT;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log between two snapshots follows the size of the state's image (a quarter of it, never less than the configured
 * size), so a large state is not written out in full every configured-size of log: one real member on loopback.
 */
class SnapshotThresholdTest {
    @TempDir
    Path dir;
    private ClusterNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theLogBetweenSnapshotsGrowsWithTheImageAndNeverBelowTheConfiguredSize() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(10));
        node = new ClusterNode(LoopbackMembers.settings(dir.resolve("node-a"), "node-a", "snapshot-test-" + UUID.randomUUID(),
                LoopbackMembers.freeAddress(), List.of(), Duration.ofSeconds(60)), store, () -> LoopbackMembers.heartbeat("node-a"), List::of);
        node.start();
        await().atMost(Duration.ofSeconds(20)).until(node::isLeader);
        RAFT raft = node.raftProtocol();
        long floor = 8 << 10;
        raft.maxLogSize(floor);
        assertInstanceOf(MetaResult.Applied.class, store.submit(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0))));

        int volumes = 150;
        for (int i = 0; i < volumes; i++) {
            assertInstanceOf(MetaResult.Applied.class, store.submit(new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(),
                    "vol-" + i, VolumeType.PERSISTENT, 4096, 4096, BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE,
                    false, 1, "node-a", List.of()))));
        }

        long image = store.lastImageBytes();
        assertTrue(image > 4 * floor, "snapshots were taken, the last of " + image + " bytes");
        assertEquals(image / 4, raft.maxLogSize(), "the next snapshot waits for a quarter of the image in log");
        assertEquals(volumes, store.state().volumes().size());
    }
}
