package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.galleonfs.node.auth.JoinCredential;
import io.galleonfs.node.config.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A joiner enrolls against real HTTPS servers on loopback that sign with {@link CertificateSigner} like a member's
 * {@code NodeCertificateResource}: the CA key comes with the certificate, so a joined member signs the next joiner
 * when the founder is gone; a CA key that is not the pinned CA's is refused with nothing written.
 */
class JoinEnrollmentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "gjt_" + "A".repeat(43);

    @TempDir
    Path dir;
    private final List<HttpsServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A member serving the node-certificate exchange from the TLS files under {@code storage}; {@code edit} may alter its answer. */
    private HttpsServer member(Path storage, UnaryOperator<NodeCertificateExchange.Response> edit) throws Exception {
        ClusterCa.TlsFiles files = ClusterCa.of(storage);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ClusterTls.sslContext(files)));
        server.createContext(NodeCertificateExchange.PATH, exchange -> {
            int status;
            byte[] answer;
            try {
                var request = JSON.readValue(exchange.getRequestBody(), NodeCertificateExchange.Request.class);
                CertificateSigner.Signed s = new CertificateSigner(files).sign(request.csr());
                answer = JSON.writeValueAsBytes(edit.apply(new NodeCertificateExchange.Response(s.nodeId(), s.certificatePem(),
                        s.caCertificatePem(), s.caKeyPem())));
                status = 201;
            } catch (Exception e) {
                answer = ("{\"detail\":\"" + e.getClass().getSimpleName() + "\"}").getBytes(StandardCharsets.UTF_8);
                status = 503;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return server;
    }

    private static HostPort api(HttpsServer server) {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    private static JoinEnrollment joiner(Path storage, String pin) {
        return new JoinEnrollment(ClusterCa.of(storage), UUID.randomUUID().toString(), List.of("127.0.0.1"),
                JoinCredential.parse(SECRET + "." + pin).orElseThrow());
    }

    private static X509Certificate leaf(Path storage) throws Exception {
        return Pem.readCertificates(ClusterCa.of(storage).nodeCert()).getFirst();
    }

    @Test
    void aJoinerReceivesTheCaKeyAndSignsTheNextJoinerAfterTheFounderIsGone() throws Exception {
        Path founder = dir.resolve("founder");
        ClusterCa.TlsFiles ca = ClusterCa.ensure(founder, List.of("127.0.0.1"));
        String pin = CaFingerprint.of(ca);
        HttpsServer founderApi = member(founder, r -> r);

        Path n2 = dir.resolve("n2");
        joiner(n2, pin).enroll(List.of(api(founderApi)), Duration.ofSeconds(5));
        ClusterCa.TlsFiles n2Files = ClusterCa.of(n2);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(n2Files.caKey())));
        assertArrayEquals(Pem.readEcKey(ca.caKey()).getEncoded(), Pem.readEcKey(n2Files.caKey()).getEncoded(), "the cluster's CA key");
        assertTrue(new CertificateSigner(n2Files).canSign());

        founderApi.stop(0); // the founder is lost
        HttpsServer n2Api = member(n2, r -> r);
        Path n3 = dir.resolve("n3");
        joiner(n3, pin).enroll(List.of(api(founderApi), api(n2Api)), Duration.ofSeconds(5));
        X509Certificate caCert = Pem.readCertificate(ca.caCert());
        leaf(n3).verify(caCert.getPublicKey());
        assertEquals(pin, CaFingerprint.of(ClusterCa.of(n3)));
        assertTrue(new CertificateSigner(ClusterCa.of(n3)).canSign(), "and n3 can sign in turn");
    }

    @Test
    void aMemberOfAnOlderVersionSendsNoKeyAndTheJoinerStillEnrolls() throws Exception {
        Path founder = dir.resolve("founder");
        ClusterCa.TlsFiles ca = ClusterCa.ensure(founder, List.of("127.0.0.1"));
        HttpsServer old = member(founder, r -> new NodeCertificateExchange.Response(r.nodeId(), r.certificate(), r.caCertificate(), null));

        Path n2 = dir.resolve("n2");
        joiner(n2, CaFingerprint.of(ca)).enroll(List.of(api(old)), Duration.ofSeconds(5));
        assertTrue(Files.isRegularFile(ClusterCa.of(n2).nodeCert()));
        assertFalse(Files.exists(ClusterCa.of(n2).caKey()));
        assertFalse(new CertificateSigner(ClusterCa.of(n2)).canSign());
    }

    @Test
    void aCaKeyThatIsNotThePinnedCasIsRefusedAndNothingIsWritten() throws Exception {
        Path founder = dir.resolve("founder");
        ClusterCa.TlsFiles ca = ClusterCa.ensure(founder, List.of("127.0.0.1"));
        ClusterCa.TlsFiles other = ClusterCa.ensure(dir.resolve("other"), List.of("127.0.0.1"));
        String otherKey = Files.readString(other.caKey());
        HttpsServer wrongKey = member(founder, r -> new NodeCertificateExchange.Response(r.nodeId(), r.certificate(), r.caCertificate(), otherKey));
        HttpsServer garbage = member(founder, r -> new NodeCertificateExchange.Response(r.nodeId(), r.certificate(), r.caCertificate(),
                "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"));

        Path n2 = dir.resolve("n2");
        JoinEnrollment.Refused refused = assertThrows(JoinEnrollment.Refused.class,
                () -> joiner(n2, CaFingerprint.of(ca)).enroll(List.of(api(wrongKey), api(garbage)), Duration.ZERO));
        assertTrue(refused.getMessage().contains("a CA key that does not belong to the pinned CA"), refused.getMessage());
        assertTrue(refused.getMessage().contains("not an EC key of the pinned CA"), refused.getMessage());
        assertFalse(refused.getMessage().contains("PRIVATE KEY"), refused.getMessage());
        assertFalse(Files.exists(n2.resolve("tls")), "nothing written");
    }
}
