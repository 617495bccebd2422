package io.galleonfs.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.tls.ClusterCa;
import io.galleonfs.node.tls.ClusterTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that crashes (no leave message, like {@code kill -9}) and is started again at once, while the others still
 * list its previous process: with TLS there is no FD_SOCK2, so the old process stays in the view until FD_ALL3's
 * heartbeat timeout (6 s), and the coordinator refuses a second process with the same Raft id meanwhile. Two
 * in-process members on real JGroups TCP with the cluster's mutual TLS.
 */
class ClusterRestartTest {
    @TempDir
    Path dir;
    private ClusterNode founder;
    private ClusterNode member;

    @AfterEach
    void closeNodes() {
        if (member != null) {
            member.close();
        }
        if (founder != null) {
            founder.close();
        }
    }

    @Test
    void aCrashedTlsMemberStartedAgainAtOnceRejoinsWithItsIdentityAndLog() throws Exception {
        HostPort a = LoopbackMembers.freeAddress();
        HostPort b = LoopbackMembers.freeAddress();
        String clusterName = "restart-test-" + UUID.randomUUID();
        ClusterCa.TlsFiles caFiles = ClusterCa.ensure(dir.resolve("node-a"), List.of("127.0.0.1"));
        Path bTls = ClusterCa.of(dir.resolve("node-b")).dir();
        Files.createDirectories(bTls);
        Files.copy(caFiles.caCert(), bTls.resolve("ca.crt"));
        Files.copy(caFiles.caKey(), bTls.resolve("ca.key"));
        ClusterCa.TlsFiles bFiles = ClusterCa.ensure(dir.resolve("node-b"), List.of("127.0.0.1"));

        RaftMetadataStore founderStore = new RaftMetadataStore(Duration.ofSeconds(5));
        founder = new ClusterNode(settings("node-a", clusterName, a, List.of()), founderStore, () -> LoopbackMembers.heartbeat("node-a"), List::of,
                ClusterTls.load(caFiles));
        founder.start();
        await().atMost(Duration.ofSeconds(20)).until(founder::isLeader);
        member = new ClusterNode(settings("node-b", clusterName, b, List.of(a)), new RaftMetadataStore(Duration.ofSeconds(5)),
                () -> LoopbackMembers.heartbeat("node-b"), List::of, ClusterTls.load(bFiles));
        member.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> founder.reachable().contains("node-b"));

        member.crash();
        // started again at once: the founder still lists the crashed process (it would for FD_ALL3's 6 s). The restart
        // gives up after 4 s, so it only gets in if the founder checks the listed process when the new one asks.
        RaftMetadataStore restartedStore = new RaftMetadataStore(Duration.ofSeconds(5));
        member = new ClusterNode(settings("node-b", clusterName, b, List.of(a), Duration.ofSeconds(4)), restartedStore,
                () -> LoopbackMembers.heartbeat("node-b"), List::of, ClusterTls.load(bFiles));
        member.start();

        await().atMost(Duration.ofSeconds(20)).until(() -> founder.majorityReachable() && member.majorityReachable());
        assertInstanceOf(MetaResult.Applied.class, founderStore.submit(new MetaCommand.InitCluster("c-restart", 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> "c-restart".equals(restartedStore.state().clusterId()));
        assertEquals(List.of("node-a", "node-b"), founder.members().stream().filter(MemberView::raftVoter).map(MemberView::id).sorted().toList());
    }

    private ClusterSettings settings(String id, String clusterName, HostPort bind, List<HostPort> peers) {
        return settings(id, clusterName, bind, peers, Duration.ofSeconds(60));
    }

    private ClusterSettings settings(String id, String clusterName, HostPort bind, List<HostPort> peers, Duration joinTimeout) {
        return LoopbackMembers.settings(dir.resolve(id).resolve("cluster"), id, clusterName, bind, peers, joinTimeout);
    }
}
