package io.galleonfs.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three in-process members on real JGroups TCP over loopback: concurrent changes through a follower and through the
 * leader go to Raft in shared entries, every caller gets its own result, and every member ends with the same state.
 */
class ClusterBatchingTest {
    @TempDir
    Path dir;
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void close() {
        clients.shutdownNow();
        nodes.reversed().forEach(ClusterNode::close);
    }

    private ClusterNode start(String id, String clusterName, HostPort bind, List<HostPort> peers, RaftMetadataStore store) throws Exception {
        ClusterNode n = new ClusterNode(LoopbackMembers.settings(dir.resolve(id), id, clusterName, bind, peers, Duration.ofSeconds(60)), store,
                () -> LoopbackMembers.heartbeat(id), List::of);
        nodes.add(n);
        n.start();
        return n;
    }

    @Test
    void concurrentChangesThroughAFollowerAndTheLeaderShareEntriesAndEveryoneGetsItsOwnResult() throws Exception {
        String clusterName = "batching-test-" + UUID.randomUUID();
        HostPort a = LoopbackMembers.freeAddress();
        List<RaftMetadataStore> stores = List.of(new RaftMetadataStore(Duration.ofSeconds(10)), new RaftMetadataStore(Duration.ofSeconds(10)),
                new RaftMetadataStore(Duration.ofSeconds(10)));
        ClusterNode leader = start("node-a", clusterName, a, List.of(), stores.get(0));
        await().atMost(Duration.ofSeconds(20)).until(leader::isLeader);
        start("node-b", clusterName, LoopbackMembers.freeAddress(), List.of(a), stores.get(1));
        ClusterNode follower = start("node-c", clusterName, LoopbackMembers.freeAddress(), List.of(a), stores.get(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(ClusterNode::majorityReachable)
                && "node-a".equals(follower.leaderId()));
        assertInstanceOf(MetaResult.Applied.class, stores.get(0).submit(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0))));

        int perNode = 64;
        List<Future<MetaResult>> results = new ArrayList<>();
        for (int i = 0; i < perNode; i++) {
            results.add(submit(stores.get(2), "via-follower-" + i));
            results.add(submit(stores.get(0), "via-leader-" + i));
        }
        results.add(submit(stores.get(2), "via-leader-0")); // a name the leader's clients also use: exactly one wins

        int applied = 0;
        int rejected = 0;
        for (Future<MetaResult> f : results) {
            MetaResult r = f.get(60, TimeUnit.SECONDS);
            if (r instanceof MetaResult.Applied) {
                applied++;
            } else {
                assertEquals(MetaResult.Reason.CONFLICT, assertInstanceOf(MetaResult.Rejected.class, r).reason());
                rejected++;
            }
        }
        assertEquals(2 * perNode, applied);
        assertEquals(1, rejected);
        long entries = stores.get(0).entriesSent() + stores.get(2).entriesSent();
        assertTrue(entries < 2 * perNode, "129 concurrent changes went to Raft in " + entries + " entries");

        // read-your-writes on the follower, and the same state everywhere once the commit index has reached all
        for (int i = 0; i < perNode; i++) {
            assertTrue(stores.get(2).state().volumeByName("default", "via-follower-" + i).isPresent(), "via-follower-" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> stores.stream().allMatch(s -> s.state().volumes().size() == 2 * perNode));
        assertArrayEquals(stores.get(0).state().snapshot(), stores.get(1).state().snapshot());
        assertArrayEquals(stores.get(0).state().snapshot(), stores.get(2).state().snapshot());
    }

    private Future<MetaResult> submit(RaftMetadataStore store, String name) {
        MetaCommand create = new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(), name, VolumeType.PERSISTENT, 4096, 4096,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-a", List.of()));
        return clients.submit(() -> store.submit(create));
    }
}
