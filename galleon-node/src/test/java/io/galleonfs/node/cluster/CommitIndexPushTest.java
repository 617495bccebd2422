package io.galleonfs.node.cluster;

import static org.awaitility.Awaitility.await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader tells the followers the commit index as soon as it commits ({@link SelfRemovingRaft#commitLogTo}). Without
 * it, a follower that sends nothing learns that a lone change is committed only from the leader's next append or its
 * resend task (every 200 ms here), so a change followed by nothing waits 0-200 ms (median ~100 ms) to be applied there.
 */
class CommitIndexPushTest {
    @TempDir
    Path dir;
    private final List<ClusterNode> nodes = new ArrayList<>();

    @AfterEach
    void close() {
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
    void followersApplyALoneChangeWithoutWaitingForTheResendTask() throws Exception {
        String clusterName = "commit-push-test-" + UUID.randomUUID();
        HostPort a = LoopbackMembers.freeAddress();
        RaftMetadataStore leaderStore = new RaftMetadataStore(Duration.ofSeconds(10));
        RaftMetadataStore followerStore = new RaftMetadataStore(Duration.ofSeconds(10));
        ClusterNode leader = start("node-a", clusterName, a, List.of(), leaderStore);
        await().atMost(Duration.ofSeconds(20)).until(leader::isLeader);
        start("node-b", clusterName, LoopbackMembers.freeAddress(), List.of(a), new RaftMetadataStore(Duration.ofSeconds(10)));
        ClusterNode follower = start("node-c", clusterName, LoopbackMembers.freeAddress(), List.of(a), followerStore);
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(ClusterNode::majorityReachable)
                && "node-a".equals(follower.leaderId()));
        assertInstanceOf(MetaResult.Applied.class, leaderStore.submit(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0))));

        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            MetaCommand create = new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(), "v" + i, VolumeType.PERSISTENT, 4096,
                    4096, BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-a", List.of()));
            long index = assertInstanceOf(MetaResult.Applied.class, leaderStore.submit(create)).index();
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(() -> followerStore.state().lastApplied() >= index);
            millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        List<Long> sorted = millis.stream().sorted().toList();
        // Without the push each wait is spread over the 200 ms resend interval: 10 of 20 under 40 ms by chance is ~0.3 %.
        assertTrue(sorted.get(sorted.size() / 2) < 40, "follower apply after the leader's answer, ms: " + millis);
    }

    /**
     * A change made through a follower answers there only once the follower has applied it (read-your-writes), so the
     * follower needs the commit index. Here nothing else brings it: the follower never asks, the leader does not push on
     * idle acknowledgements and its resend (an idle runner's) comes after 10 minutes. What is left is the commit index
     * the leader sends with each answer to a forwarded change, or on the follower's acknowledgement when the answer
     * could not carry it yet. Without those a submit returned at its 5 s deadline with the change not applied there.
     */
    @Test
    void aChangeForwardedByAFollowerIsAppliedThereWhenItsSubmitReturns() throws Exception {
        String clusterName = "commit-push-answer-test-" + UUID.randomUUID();
        HostPort a = LoopbackMembers.freeAddress();
        RaftMetadataStore leaderStore = new RaftMetadataStore(Duration.ofSeconds(30));
        RaftMetadataStore followerStore = new RaftMetadataStore(Duration.ofSeconds(5));
        ClusterNode leader = start("node-a", clusterName, a, List.of(), leaderStore);
        await().atMost(Duration.ofSeconds(20)).until(leader::isLeader);
        start("node-b", clusterName, LoopbackMembers.freeAddress(), List.of(a), new RaftMetadataStore(Duration.ofSeconds(30)));
        ClusterNode follower = start("node-c", clusterName, LoopbackMembers.freeAddress(), List.of(a), followerStore);
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(ClusterNode::majorityReachable)
                && "node-a".equals(follower.leaderId()));
        long classIndex = assertInstanceOf(MetaResult.Applied.class,
                leaderStore.submit(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0)))).index();
        // the follower is a voting member the leader appends to (its join is a committed membership change)
        await().atMost(Duration.ofSeconds(30)).until(() -> leader.raftProtocol().members().contains("node-c")
                && followerStore.state().lastApplied() >= classIndex);
        SelfRemovingRaft leaderRaft = (SelfRemovingRaft) leader.raftProtocol();
        leaderRaft.pushWhenIdle(false);
        leaderRaft.resendInterval(Duration.ofMinutes(10).toMillis());
        followerStore.askLeaderForCommitIndex(false);

        for (int i = 0; i < 20; i++) {
            MetaCommand create = new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(), "f" + i, VolumeType.PERSISTENT, 4096,
                    4096, BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-c", List.of()));
            long index = assertInstanceOf(MetaResult.Applied.class, followerStore.submit(create)).index();
            assertTrue(followerStore.state().lastApplied() >= index, "change " + i + " (index " + index
                    + ") not applied on the follower that made it when its submit returned");
        }
    }
}
