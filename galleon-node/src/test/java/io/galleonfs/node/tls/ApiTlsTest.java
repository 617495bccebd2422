package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.auth.JoinCredential;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a node with --tls gets its certificate: issue its own, keep the one it has, or ask a member with its token. */
class ApiTlsTest {
    private static final List<String> NAMES = List.of("127.0.13.3");
    private static final Optional<JoinCredential> PINNED = JoinCredential.parse("gjt_" + "A".repeat(43) + "." + "ab".repeat(32));
    private static final Optional<JoinCredential> UNPINNED = JoinCredential.parse("gjt_" + "A".repeat(43));

    @TempDir
    Path dir;

    private NodeConfig config(String peers) {
        return NodeConfig.resolve(Map.of("storage_path", dir.toString(), "bind_address", "127.0.13.3:7081",
                "ipc_address", "127.0.13.3:7091", "peer_addresses", peers));
    }

    private ApiTls.Plan plan(NodeConfig cfg, Optional<JoinCredential> token) {
        return ApiTls.plan(cfg, ClusterCa.of(dir), NAMES, token);
    }

    @Test
    void aFounderOrAHolderOfTheCaKeyIssuesItsOwn() throws Exception {
        assertEquals(ApiTls.Plan.ISSUE_OWN, plan(config(""), Optional.empty()));
        assertEquals(ApiTls.Plan.ISSUE_OWN, plan(config(""), PINNED), "no peers: nobody to ask");
        ClusterCa.ensure(dir, NAMES);
        assertEquals(ApiTls.Plan.ISSUE_OWN, plan(config("127.0.13.2:7081"), PINNED), "the manual copy keeps working");
    }

    @Test
    void aFreshJoinerEnrollsOnlyWithAPinnedToken() {
        NodeConfig joiner = config("127.0.13.2:7081");
        assertEquals(ApiTls.Plan.ENROLL, plan(joiner, PINNED));
        var none = assertThrows(IllegalStateException.class, () -> plan(joiner, Optional.empty()));
        assertTrue(none.getMessage().startsWith("--tls: this node joins a cluster but has no cluster certificate; start it with --join-token"),
                none.getMessage());
        var unpinned = assertThrows(IllegalStateException.class, () -> plan(joiner, UNPINNED));
        assertTrue(unpinned.getMessage().contains("carries no CA fingerprint"), unpinned.getMessage());
        assertEquals(List.of(), listing(), "deciding writes nothing");
    }

    @Test
    void anEnrolledNodeKeepsItsCertificateAndAsksAgainOnlyWhenItNoLongerFits() throws Exception {
        ClusterCa.TlsFiles files = ClusterCa.ensure(dir, NAMES);
        Files.delete(files.caKey()); // what a node that joined with a token has
        assertEquals(ApiTls.Plan.KEEP, plan(config("127.0.13.2:7081"), Optional.empty()));
        assertEquals(ApiTls.Plan.KEEP, plan(config(""), PINNED));
        List<String> moved = List.of("127.0.13.9");
        assertEquals(ApiTls.Plan.ENROLL, ApiTls.plan(config("127.0.13.2:7081"), files, moved, PINNED));
        var e = assertThrows(IllegalStateException.class, () -> ApiTls.plan(config(""), files, moved, Optional.empty()));
        assertTrue(e.getMessage().contains("holds no CA key to issue another"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ClusterCa.ensure(dir, moved), "never a new CA over the cluster's");
    }

    @Test
    void aMembersApiIsItsClusterPortPlusThisNodesOffset() {
        HostPort own = HostPort.parse("bind", "127.0.13.3:7081");
        assertEquals(HostPort.parse("api", "127.0.13.2:7091"),
                JoinEnrollment.apiAddressOf(HostPort.parse("peer", "127.0.13.2:7081"), own, HostPort.parse("ipc", "127.0.13.3:7091")));
        assertEquals(HostPort.parse("api", "node1:8090"),
                JoinEnrollment.apiAddressOf(HostPort.parse("peer", "node1:8080"), HostPort.parse("b", "0.0.0.0:8080"),
                        HostPort.parse("i", "0.0.0.0:8090")));
        assertThrows(JoinEnrollment.Refused.class, () -> JoinEnrollment.apiAddressOf(HostPort.parse("peer", "h:65530"), own,
                HostPort.parse("ipc", "127.0.13.3:7191")));
    }

    private List<Path> listing() {
        try (var s = Files.list(dir)) {
            return s.toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
