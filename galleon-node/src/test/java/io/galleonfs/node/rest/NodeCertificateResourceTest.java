package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.assertProblem;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.Problem;
import io.galleonfs.node.tls.ClusterCa;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/cluster/node-certificate}: a joining node's certificate request is signed only with a valid join
 * token, only by a node holding the CA key, only when well-formed; every answer is audited and no secret is logged.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class NodeCertificateResourceTest {
    private static final String PATH = "/api/v1/cluster/node-certificate";

    private final List<LogRecord> logged = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private static Path storage() {
        return Path.of(System.getProperty(TestTokens.STORAGE_PROPERTY));
    }

    @AfterEach
    void removeTheCa() throws Exception {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
        Path tls = storage().resolve("tls");
        if (Files.exists(tls)) {
            try (Stream<Path> walk = Files.walk(tls)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String csr(String subject, String host) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = g.generateKeyPair();
        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, host)));
        var req = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        return pem("CERTIFICATE REQUEST", req.getEncoded());
    }

    private static Response ask(String bearer, Object body) {
        var r = given().noFilters().accept(ContentType.JSON).contentType(ContentType.JSON);
        if (bearer != null) {
            r = r.header("Authorization", "Bearer " + bearer);
        }
        return body == null ? r.post(PATH) : r.body(body).post(PATH);
    }

    private static Optional<Map<String, Object>> audited(String subject, int status) {
        List<Map<String, Object>> all = given().noFilters().header("Authorization", "Bearer " + TestTokens.admin())
                .get("/api/v1/audit?limit=10000").then().statusCode(200).extract().jsonPath().getList("$");
        return all.stream().filter(r -> PATH.equals(r.get("resource")) && subject.equals(r.get("subject"))
                && Integer.valueOf(status).equals(r.get("status"))).findFirst();
    }

    @Test
    void signsOnlyWithAJoinTokenOnANodeHoldingTheCaKeyAndLogsNoSecret() throws Exception {
        java.util.logging.Logger.getLogger("").addHandler(capture);
        String id = UUID.randomUUID().toString();
        String request = csr("CN=" + id, "127.0.13.9");
        Map<String, String> body = Map.of("csr", request);
        String forged = "gjt_" + "A".repeat(43);

        // (a cluster without join tokens refuses too: JoinAdmissionTest; other test classes may have created some)
        Map<String, Object> created = given().noFilters().header("Authorization", "Bearer " + TestTokens.admin())
                .contentType(ContentType.JSON).body(Map.of("ttl", "10m")).post("/api/v1/cluster/join-tokens")
                .then().statusCode(201).extract().jsonPath().getMap("$");
        String token = (String) created.get("token");
        assertNull(created.get("ca_cert_sha256"), "no CA fingerprint while the API is not TLS");

        // 401: none, forged, malformed, an API token (it is not a join token)
        assertTrue(assertProblem(ask(null, body), 401).contains("join token is required"));
        assertEquals("the join token is not valid for this cluster", assertProblem(ask(forged, body), 401));
        assertTrue(assertProblem(ask("gjt_short", body), 401).contains("malformed"));
        assertTrue(assertProblem(ask(TestTokens.admin(), body), 401).contains("malformed"));
        assertTrue(assertProblem(ask(token + ".abc", body), 401).contains("64 hex digits"));
        assertEquals("Bearer", ask(forged, body).header("WWW-Authenticate"));

        // a valid token, but this node holds no CA key: 503, so the joiner asks another member
        Response noCa = ask(token, body);
        noCa.then().statusCode(503).contentType(Problem.MEDIA_TYPE);
        assertTrue(noCa.<String>path("detail").contains("does not hold the cluster CA key"), noCa.asString());

        ClusterCa.TlsFiles ca = ClusterCa.ensure(storage(), List.of("127.0.0.1"));
        // 400: no body, no csr, not a request, a request for another kind of name
        assertTrue(assertProblem(ask(token, null), 400).length() > 0);
        assertTrue(assertProblem(ask(token, Map.of()), 400).contains("csr is required"));
        assertTrue(assertProblem(ask(token, Map.of("csr", "hello")), 400).startsWith("csr is not"));
        assertTrue(assertProblem(ask(token, Map.of("csr", csr("CN=node-9", "127.0.13.9"))), 400).contains("CN must be the node id"));

        // 201: signed by this cluster's CA for the requested id and address; a token with a CA pin after it works too
        for (String presented : List.of(token, token + "." + "0".repeat(64))) {
            Response ok = ask(presented, body);
            ok.then().statusCode(201).contentType(ContentType.JSON).header("Cache-Control", "no-store");
            assertEquals(id, ok.path("node_id"));
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            X509Certificate leaf = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(ok.<String>path("certificate").getBytes(StandardCharsets.US_ASCII)));
            X509Certificate caCert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(ca.caCert())));
            leaf.verify(caCert.getPublicKey());
            assertEquals("CN=" + id, leaf.getSubjectX500Principal().getName());
            assertEquals(Files.readString(ca.caCert()), ok.path("ca_certificate"));
            // this test's API is plain HTTP: the CA key travels only over TLS (JoinEnrollmentTest, ClusterTlsJoinIT)
            assertNull(ok.path("ca_key"));
            assertFalse(ok.asString().contains("PRIVATE KEY"), "no CA key over plain HTTP");
        }

        Map<String, Object> signed = await("audit of the signing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> audited("join:" + id, 201), Optional::isPresent).orElseThrow();
        assertEquals("POST " + PATH, signed.get("action"));
        assertEquals("join", signed.get("role"));
        await("audit of a refusal").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> audited("join:" + id, 401), Optional::isPresent);

        String secret = token.substring(token.indexOf('_') + 1);
        for (LogRecord r : List.copyOf(logged)) {
            String text = r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()) + " " + r.getThrown();
            assertFalse(text.contains(secret) || text.contains(forged), "a log line holds a join token: " + text);
        }
        assertTrue(logged.stream().anyMatch(r -> String.valueOf(r.getMessage()).contains("signed the node certificate")),
                "the capture sees the node's log");
        assertFalse(Files.readString(storage().resolve("audit").resolve("audit.log")).contains(secret), "the audit log holds no secret");
    }
}
