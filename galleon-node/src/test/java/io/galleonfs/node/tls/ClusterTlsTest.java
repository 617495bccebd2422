package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.ingress.IngressBudget;
import io.galleonfs.node.ingress.IngressLimits;
import io.galleonfs.node.replication.DataClient;
import io.galleonfs.node.replication.DataMessage;
import io.galleonfs.node.replication.DataServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTlsTest {
    @TempDir
    Path dir;
    private Vertx vertx;

    @AfterEach
    void tearDown() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** A node's certificates as --tls creates them; {@code sameCaAs} copies another node's CA in first, as the README says. */
    private ClusterTls node(String name, Path sameCaAs) throws Exception {
        Path storage = dir.resolve(name);
        if (sameCaAs != null) {
            Files.createDirectories(storage.resolve("tls"));
            for (String f : List.of("ca.crt", "ca.key")) {
                Files.copy(sameCaAs.resolve("tls").resolve(f), storage.resolve("tls").resolve(f));
            }
        }
        return ClusterTls.load(ClusterCa.ensure(storage, List.of("127.0.0.1")));
    }

    @Test
    void vertxOptionsRequireAClientCertificateAndTrustOnlyTheClusterCa() throws Exception {
        ClusterTls tls = node("a", null);
        NetServerOptions server = tls.serverOptions(new NetServerOptions().setPort(1234));
        assertTrue(server.isSsl());
        assertEquals(1234, server.getPort(), "the base options are kept");
        assertEquals(ClientAuth.REQUIRED, server.getClientAuth());
        assertEquals(Set.of("TLSv1.3"), server.getEnabledSecureTransportProtocols());
        PemKeyCertOptions serverKey = assertInstanceOf(PemKeyCertOptions.class, server.getKeyCertOptions());
        assertEquals(List.of(tls.files().nodeKey().toString()), serverKey.getKeyPaths());
        assertEquals(List.of(tls.files().nodeCert().toString()), serverKey.getCertPaths());
        assertEquals(List.of(tls.files().caCert().toString()), assertInstanceOf(PemTrustOptions.class, server.getTrustOptions()).getCertPaths());

        NetClientOptions client = tls.clientOptions(new NetClientOptions().setConnectTimeout(777));
        assertTrue(client.isSsl());
        assertEquals(777, client.getConnectTimeout());
        assertFalse(client.isTrustAll());
        assertEquals("", client.getHostnameVerificationAlgorithm(), "identity is the cluster CA, not a host name");
        assertEquals(List.of(tls.files().caCert().toString()), assertInstanceOf(PemTrustOptions.class, client.getTrustOptions()).getCertPaths());
        assertInstanceOf(PemKeyCertOptions.class, client.getKeyCertOptions());
    }

    @Test
    void loadNamesTheMissingFile() throws Exception {
        var files = ClusterCa.of(dir.resolve("none"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterTls.load(files));
        assertTrue(e.getMessage().contains("ca.crt"), e.getMessage());
    }

    @Test
    void aCopiedCaReplacesANodeCertificateFromAnotherCa() throws Exception {
        node("a", null);
        ClusterTls b = node("b", null);
        var before = Pem.readCertificate(b.files().nodeCert());
        for (String f : List.of("ca.crt", "ca.key")) {
            Files.copy(dir.resolve("a/tls").resolve(f), b.files().dir().resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        ClusterTls again = ClusterTls.load(ClusterCa.ensure(dir.resolve("b"), List.of("127.0.0.1")));
        var after = Pem.readCertificate(again.files().nodeCert());
        assertFalse(before.equals(after));
        assertTrue(ClusterCa.signedBy(after, Pem.readCertificate(dir.resolve("a/tls/ca.crt"))));
    }

    @Test
    void theJGroupsSocketFactoryMakesMutualTlsSockets() throws Exception {
        ClusterTls a = node("a", null);
        ClusterTls b = node("b", dir.resolve("a"));
        ClusterTls stranger = node("c", null);
        var factory = a.jgroupsSocketFactory();
        try (SSLServerSocket server = (SSLServerSocket) factory.createServerSocket("test", 0, 50, InetAddress.getLoopbackAddress())) {
            assertTrue(server.getNeedClientAuth());
            // accept and hold connections so the probe's read times out (= accepted) for a member
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s; InputStream in = s.getInputStream()) {
                                in.read();
                            } catch (IOException ignored) {
                                // the handshake failed or the client left
                            }
                        });
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            HostPort at = new HostPort("127.0.0.1", server.getLocalPort());
            assertEquals(java.util.Optional.empty(), b.refusalBy(at, 1000), "a node of the same CA is accepted");
            var refusal = stranger.refusalBy(at, 1000);
            assertTrue(refusal.isPresent(), "a node of another CA is refused");
            assertTrue(refusal.get().contains("not signed by"), refusal.get());
            // a client without any certificate does not get through either
            try (SSLSocket plainTls = (SSLSocket) javax.net.ssl.SSLContext.getDefault().getSocketFactory().createSocket("127.0.0.1", at.port())) {
                plainTls.setSoTimeout(2000);
                assertThrows(IOException.class, () -> {
                    plainTls.startHandshake();
                    plainTls.getInputStream().read();
                });
            }
            server.close();
            acceptor.join();
        }
    }

    @Test
    void theDataPlaneServesMembersAndClosesOnStrangersAndPlaintext() throws Exception {
        vertx = Vertx.vertx();
        ClusterTls a = node("a", null);
        ClusterTls b = node("b", dir.resolve("a"));
        ClusterTls stranger = node("c", null);
        IngressLimits limits = IngressLimits.defaults(1L << 30);
        DataServer server = new DataServer(vertx, "a", 1, (peer, request) -> CompletableFuture.completedFuture(new DataMessage.Ok(42)),
                new IngressBudget("t", 64L << 20), limits, a);
        int port;
        try (var free = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        server.start(new HostPort("127.0.0.1", port));
        HostPort at = new HostPort("127.0.0.1", server.port());
        try (DataClient member = new DataClient(vertx, "b", 1, (n, i) -> { }, b);
             DataClient outsider = new DataClient(vertx, "c", 1, (n, i) -> { }, stranger);
             DataClient plain = new DataClient(vertx, "p", 1, (n, i) -> { })) {
            DataMessage reply = member.call(at, new DataMessage.StatusRequest(UUID.randomUUID()), Duration.ofSeconds(10));
            assertEquals(new DataMessage.Ok(42), reply);
            assertThrows(IOException.class, () -> outsider.call(at, new DataMessage.StatusRequest(UUID.randomUUID()), Duration.ofSeconds(10)));
            assertThrows(IOException.class, () -> plain.call(at, new DataMessage.StatusRequest(UUID.randomUUID()), Duration.ofSeconds(10)));
        } finally {
            server.close();
        }
    }
}
