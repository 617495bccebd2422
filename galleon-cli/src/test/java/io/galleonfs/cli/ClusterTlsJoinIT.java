package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real daemons with {@code --tls} on 127.0.14.2-4 where only the founder has the cluster CA at first: the other
 * two start with an empty storage and a join token (which pins the CA's SHA-256) and get their node certificates, and
 * the CA key, from a member over its API before their JGroups channel connects (n3 asks only n2, which signs itself).
 * Replicated writes go through a joined node and read back from the other after a restart; a joiner whose token pins
 * another CA, and one with a wrong secret, are refused with one line and leave no TLS files. A backup target's S3
 * secret is in no member's Raft files in clear, and a backup through another member uses it. Then the founder is
 * killed and a fourth node joins through n2 and reads the replicated data.
 */
class ClusterTlsJoinIT {
    private static final int BIND_PORT = 7081;
    private static final int IPC_PORT = 7091;
    private Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private HttpClient https;
    private String token;

    private static String host(int i) {
        return "127.0.14." + (i + 1);
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-cluster-tls-join");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        Path logs = Path.of("target/cluster-it-logs").toAbsolutePath();
        Files.createDirectories(logs);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                Files.copy(f, logs.resolve("ClusterTlsJoinIT-" + f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private NodeProcess node(int i, String... extra) {
        NodeProcess n = new NodeProcess(dir.resolve("n" + i), host(i) + ":" + IPC_PORT, host(i) + ":" + BIND_PORT, List.of(extra));
        nodes.add(n);
        return n;
    }

    private HttpResponse<String> send(NodeProcess via, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://" + via.ipcAddress + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return https.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(NodeProcess via, String path) throws Exception {
        HttpResponse<String> r = send(via, "GET", path, null);
        assertEquals(200, r.statusCode(), r.body());
        return ClusterHarness.JSON.readTree(r.body());
    }

    private static String sha256Of(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        }
    }

    @Test
    void nodesJoinWithOnlyTheTokenReplicateAndOtherClustersOrWrongSecretsAreRefused() throws Exception {
        String peers = host(1) + ":" + BIND_PORT;
        NodeProcess n1 = node(1, "--tls").start();
        token = n1.bearerToken().substring("Bearer ".length());
        https = HttpClient.newBuilder().sslContext(NodeProcess.sslContextTrusting(n1.caCert())).connectTimeout(Duration.ofSeconds(2)).build();

        HttpResponse<String> created = send(n1, "POST", "/api/v1/cluster/join-tokens", "{\"ttl\":\"30m\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode jt = ClusterHarness.JSON.readTree(created.body());
        String pin = sha256Of(n1.caCert());
        assertEquals(pin, jt.get("ca_cert_sha256").asText());
        String joinToken = jt.get("token").asText();
        assertTrue(joinToken.startsWith("gjt_") && joinToken.endsWith("." + pin), joinToken);

        // n2 with the flag, n3 with the environment variable: nothing copied, empty storage
        NodeProcess n2 = node(2, "--tls", "--peer-addresses", peers, "--join-token", joinToken).start();
        // n3 lists only n2, which holds no CA key: n2 passes its certificate request on to n1
        NodeProcess n3 = node(3, "--tls", "--peer-addresses", host(2) + ":" + BIND_PORT)
                .withEnv("GALLEONFS_JOIN_TOKEN", joinToken).start();
        await("3 members up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
            Map<String, String> states = ClusterHarness.memberStates(json(n1, "/api/v1/cluster/status"));
            return states.size() == 3 && states.values().stream().allMatch("up"::equals);
        });
        byte[] caKey = Files.readAllBytes(n1.storage.resolve("tls").resolve("ca.key"));
        for (NodeProcess n : List.of(n2, n3)) {
            Path tls = n.storage.resolve("tls");
            // the CA key came with the certificate (over TLS pinned to the CA), so this member signs for later joiners
            assertEquals(new String(caKey).strip(), Files.readString(tls.resolve("ca.key")).strip(), n.storage + " holds the cluster's CA key");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("ca.key"))));
            assertEquals(pin, sha256Of(tls.resolve("ca.crt")));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("node.key"))));
            String log = Files.readString(n.log);
            assertTrue(log.contains("signed this node's certificate"), n.log + " enrolled");
            assertTrue(log.contains("(mutual TLS, ingress budget"), n.log + " has a TLS data plane");
            assertFalse(log.contains(joinToken.substring(4, 47)), n.log + " holds the join secret");
        }
        assertFalse(Files.readString(n1.log).contains(joinToken.substring(4, 47)), "the founder's log holds the join secret");
        assertTrue(Files.readString(n2.log).contains("signed the node certificate of joining node "
                + Files.readString(n3.storage.resolve("node.id")).strip() + " and handed it the cluster CA key"), n2.log + " signed n3's request");
        String n2Id = Files.readString(n2.storage.resolve("node.id")).strip();
        await("audit of n2's certificate").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
            for (JsonNode r : json(n1, "/api/v1/audit?limit=10000")) {
                if (r.path("subject").asText().equals("join:" + n2Id) && r.path("status").asInt() == 201 && r.path("action").asText().equals("POST /api/v1/cluster/node-certificate")) {
                    return true;
                }
            }
            return false;
        });

        // a 3-copy volume written through a joined node (its API certificate is the signed one) and replicated over TLS
        HttpResponse<String> vol = send(n2, "POST", "/api/v1/volumes",
                "{\"name\":\"joined\",\"size\":\"64M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":3}");
        assertEquals(201, vol.statusCode(), vol.body());
        byte[] data = new byte[1 << 20];
        new Random(14).nextBytes(data);
        HttpResponse<String> w = https.send(HttpRequest.newBuilder(URI.create("https://" + n2.ipcAddress
                        + "/api/v1/volumes/joined/data?offset=8192&write_concern=distributed")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, w.statusCode(), w.body());

        // n3 is killed and started again at once with what it was given (no CA key): it keeps its certificate, is let
        // back in as soon as its previous process is found dead, and reads the replicated data
        new ProcessBuilder("kill", "-9", Long.toString(n3.pid())).start().waitFor();
        n3.process().onExit().get(30, TimeUnit.SECONDS);
        n3.restart();
        HttpRequest get = HttpRequest.newBuilder(URI.create("https://" + n3.ipcAddress + "/api/v1/volumes/joined/data?offset=8192&length="
                + data.length)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).GET().build();
        await("read back through n3").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            HttpResponse<byte[]> r = https.send(get, HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 && java.util.Arrays.equals(data, r.body());
        });
        assertArrayEquals(data, https.send(get, HttpResponse.BodyHandlers.ofByteArray()).body());
        assertEquals(1, Files.readString(n3.log).split("signed this node's certificate", -1).length - 1, "no second enrollment");

        // a backup target's secrets reach the Raft log sealed; a backup asked of another member opens them there
        String s3Secret = "s3cr3t-" + java.util.UUID.randomUUID();
        HttpResponse<String> target = send(n2, "POST", "/api/v1/backup-targets", "{\"name\":\"sealed\",\"url\":\"file://"
                + dir.resolve("backup-repo") + "\",\"access_key_id\":\"AKIASEALEDTEST\",\"secret_access_key\":\"" + s3Secret
                + "\",\"passphrase\":\"correct horse battery\"}");
        assertEquals(201, target.statusCode(), target.body());
        // (n3 applies the new target a moment after n2 answered: until then it does not know the name)
        HttpResponse<String> backup = await("n3 knows the target").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> send(n3, "POST", "/api/v1/backups", "{\"volume\":\"joined\",\"target\":\"sealed\",\"strategy\":\"full\"}"),
                        r -> r.statusCode() != 404);
        assertEquals(202, backup.statusCode(), backup.body());
        String job = ClusterHarness.JSON.readTree(backup.body()).get("id").asText();
        await("backup through the sealed target").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> json(n3, "/api/v1/jobs/" + job).get("state").asText().equals("succeeded"));
        for (NodeProcess n : List.of(n1, n2, n3)) {
            boolean seesTheTarget = false;
            try (Stream<Path> files = Files.walk(n.storage.resolve("raft"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String bytes = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertFalse(bytes.contains(s3Secret), f + " holds the S3 secret in clear");
                    seesTheTarget |= bytes.contains("AKIASEALEDTEST"); // the log is readable: the check above can fail
                }
            }
            assertTrue(seesTheTarget, n.storage + "/raft holds the target's record");
        }

        // a token pinning another CA: refused with one line before anything is written
        String allPeers = String.join(",", host(1) + ":" + BIND_PORT, host(2) + ":" + BIND_PORT, host(3) + ":" + BIND_PORT);
        String otherPin = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("another cluster".getBytes()));
        String wrongPin = joinToken.substring(0, joinToken.lastIndexOf('.') + 1) + otherPin;
        NodeProcess n4 = node(4, "--tls", "--peer-addresses", allPeers, "--join-token", wrongPin);
        String refusal = startAndExpectExit(n4);
        assertEquals(1, refusal.lines().filter(l -> l.startsWith("galleonfs: ")).count(), refusal);
        assertTrue(refusal.lines().anyMatch(l -> l.startsWith("galleonfs: CA fingerprint mismatch: " + host(1) + ":" + IPC_PORT
                + " presents a cluster CA with SHA-256 " + pin + ", but the join token pins " + otherPin)), refusal);
        assertFalse(Files.exists(n4.storage.resolve("tls")), "no TLS files after a refusal");
        assertFalse(Files.exists(n4.storage.resolve("node.id")), "no node id after a refusal");

        // the right CA but a secret the cluster never issued: refused by the member, one line
        String forged = "gjt_" + "B".repeat(43) + "." + pin;
        NodeProcess n5 = node(5, "--tls", "--peer-addresses", allPeers, "--join-token", forged);
        String forgedRefusal = startAndExpectExit(n5);
        assertTrue(forgedRefusal.lines().anyMatch(l -> l.equals(
                "galleonfs: the cluster refused the join token: the join token is not valid for this cluster")), forgedRefusal);
        assertFalse(Files.exists(n5.storage.resolve("tls")), "no TLS files after a refusal");
        assertFalse(forgedRefusal.contains("Exception"), forgedRefusal);

        Map<String, String> states = ClusterHarness.memberStates(json(n1, "/api/v1/cluster/status"));
        assertEquals(3, states.size(), states.toString());

        // the founder is lost for good: a new node still joins, through a member that joined with a token
        new ProcessBuilder("kill", "-9", Long.toString(n1.pid())).start().waitFor();
        n1.process().onExit().get(30, TimeUnit.SECONDS);
        NodeProcess n6 = node(6, "--tls", "--peer-addresses", host(2) + ":" + BIND_PORT, "--join-token", joinToken).start();
        String n6Id = Files.readString(n6.storage.resolve("node.id")).strip();
        await("n6 up beside n2 and n3").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            Map<String, String> s = ClusterHarness.memberStates(json(n2, "/api/v1/cluster/status"));
            return s.size() == 4 && "up".equals(s.get(n6Id)) && s.values().stream().filter("up"::equals).count() == 3;
        });
        assertTrue(Files.readString(n2.log).contains("signed the node certificate of joining node " + n6Id), n2.log + " signed n6's certificate");
        assertEquals(new String(caKey).strip(), Files.readString(n6.storage.resolve("tls").resolve("ca.key")).strip());
        HttpRequest getVia6 = HttpRequest.newBuilder(URI.create("https://" + n6.ipcAddress + "/api/v1/volumes/joined/data?offset=8192&length="
                + data.length)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).GET().build();
        await("read back through n6").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            HttpResponse<byte[]> r = https.send(getVia6, HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 && java.util.Arrays.equals(data, r.body());
        });
    }

    private static String startAndExpectExit(NodeProcess n) throws Exception {
        Files.createDirectories(n.storage);
        Process p = new ProcessBuilder(n.command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile())).start();
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "a refused node exits");
            assertNotEquals(0, p.exitValue());
            return Files.readString(n.log);
        } finally {
            p.destroyForcibly();
        }
    }
}
