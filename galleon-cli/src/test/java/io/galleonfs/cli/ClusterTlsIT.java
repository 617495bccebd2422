package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real daemons with {@code --tls} on 127.0.13.2-4: JGroups, jgroups-raft and the data plane run over mutual TLS
 * with the cluster CA the first node created (the others were given a copy, as the README tells operators). A 3-copy
 * volume replicates and reads back after a {@code kill -9}; a node holding another CA is refused with one line; plain
 * TCP on the cluster and data ports gets no protocol answer.
 */
class ClusterTlsIT {
    private static final int BIND_PORT = 7081;
    private static final int IPC_PORT = 7091;
    private static final int DATA_PORT_OFFSET = 200; // ReplicationService.DATA_PORT_OFFSET
    private Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private HttpClient https;
    private String token;

    private static String host(int i) {
        return "127.0.13." + (i + 1);
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-cluster-tls");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        Path logs = Path.of("target/cluster-it-logs").toAbsolutePath();
        Files.createDirectories(logs);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                Files.copy(f, logs.resolve("ClusterTlsIT-" + f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

    /** What the operator does before a node's first start: the cluster's CA into its {@code <storage>/tls/}. */
    private static void copyCa(Path fromStorage, Path toStorage) throws IOException {
        Files.createDirectories(toStorage.resolve("tls"));
        for (String f : List.of("ca.crt", "ca.key")) {
            Files.copy(fromStorage.resolve("tls").resolve(f), toStorage.resolve("tls").resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
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

    @Test
    void threeTlsNodesReplicateSurviveAKillAndRefuseStrangers() throws Exception {
        String peers = host(1) + ":" + BIND_PORT;
        NodeProcess n1 = node(1, "--tls").start();
        token = n1.bearerToken().substring("Bearer ".length());
        https = HttpClient.newBuilder().sslContext(NodeProcess.sslContextTrusting(n1.caCert())).connectTimeout(Duration.ofSeconds(2)).build();
        NodeProcess n2 = node(2, "--tls", "--peer-addresses", peers);
        NodeProcess n3 = node(3, "--tls", "--peer-addresses", peers);
        copyCa(n1.storage, n2.storage);
        copyCa(n1.storage, n3.storage);
        n2.start();
        n3.start();
        await("3 members up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
            Map<String, String> states = ClusterHarness.memberStates(json(n1, "/api/v1/cluster/status"));
            return states.size() == 3 && states.values().stream().allMatch("up"::equals);
        });
        for (NodeProcess n : List.of(n1, n2, n3)) {
            String log = Files.readString(n.log);
            assertTrue(log.contains("(mutual TLS, ingress budget"), n.log + " has a TLS data plane");
        }

        // a 3-copy volume: 1 MiB written through the primary, replicated to both others over the TLS data plane
        HttpResponse<String> created = send(n1, "POST", "/api/v1/volumes",
                "{\"name\":\"tls1\",\"size\":\"64M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":3}");
        assertEquals(201, created.statusCode(), created.body());
        byte[] data = new byte[1 << 20];
        new Random(13).nextBytes(data);
        HttpResponse<String> w = https.send(HttpRequest.newBuilder(URI.create("https://" + n1.ipcAddress + "/api/v1/volumes/tls1/data?offset=4096&write_concern=distributed"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, w.statusCode(), w.body());

        // kill -9 of the primary: a survivor takes over and reads the data back
        String primaryId = null;
        for (JsonNode r : json(n1, "/api/v1/volumes/tls1").get("replicas")) {
            if (r.get("primary").asBoolean()) {
                primaryId = r.get("node").asText();
            }
        }
        NodeProcess primary = null;
        for (NodeProcess n : List.of(n1, n2, n3)) {
            if (json(n, "/api/v1/cluster/status").path("this_node").asText().equals(primaryId)) {
                primary = n;
            }
        }
        NodeProcess victim = primary != null ? primary : n3;
        NodeProcess reader = victim == n2 ? n3 : n2;
        new ProcessBuilder("kill", "-9", Long.toString(victim.pid())).start().waitFor();
        victim.process().onExit().get(10, TimeUnit.SECONDS);
        HttpRequest get = HttpRequest.newBuilder(URI.create("https://" + reader.ipcAddress + "/api/v1/volumes/tls1/data?offset=4096&length=" + data.length))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).GET().build();
        await("read back after kill -9 of " + victim.ipcAddress).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    HttpResponse<byte[]> r = https.send(get, HttpResponse.BodyHandlers.ofByteArray());
                    return r.statusCode() == 200 && java.util.Arrays.equals(data, r.body());
                });
        assertArrayEquals(data, https.send(get, HttpResponse.BodyHandlers.ofByteArray()).body());

        // a member killed with -9 and started again at once, while the others still list its previous process (with TLS
        // failure detection takes 6 s or more): it is let in as soon as that process is found dead, not refused
        victim.restart();
        NodeProcess other = List.of(n1, n2, n3).stream().filter(n -> n != victim && n != reader).findFirst().orElseThrow();
        new ProcessBuilder("kill", "-9", Long.toString(other.pid())).start().waitFor();
        other.process().onExit().get(10, TimeUnit.SECONDS);
        other.restart();
        await("3 members up after an immediate restart").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> {
                    Map<String, String> states = ClusterHarness.memberStates(json(reader, "/api/v1/cluster/status"));
                    return states.size() == 3 && states.values().stream().allMatch("up"::equals);
                });

        // plain TCP to the JGroups and data-plane ports of a live member: no protocol answer, the connection is closed
        for (int port : List.of(BIND_PORT, BIND_PORT + DATA_PORT_OFFSET)) {
            String answer = plaintextAnswer(reader.bindAddress.substring(0, reader.bindAddress.indexOf(':')), port);
            assertTrue(answer.isEmpty() || answer.charAt(0) == 0x15, "port " + port + " answered plaintext with " + answer);
        }

        // a node whose CA is another cluster's: refused with one line, membership unchanged
        String allPeers = String.join(",", host(1) + ":" + BIND_PORT, host(2) + ":" + BIND_PORT, host(3) + ":" + BIND_PORT);
        NodeProcess stranger = node(5, "--tls").start();
        stranger.close();
        NodeProcess n4 = node(4, "--tls", "--peer-addresses", allPeers);
        copyCa(stranger.storage, n4.storage);
        String refusal = startAndExpectExit(n4);
        assertTrue(refusal.lines().anyMatch(l -> l.startsWith("galleonfs: cannot start: the cluster refused this node's TLS certificate: ")),
                refusal);
        // ... and one with no CA at all is told what to copy before anything starts
        NodeProcess n6 = node(6, "--tls", "--peer-addresses", allPeers);
        String noCa = startAndExpectExit(n6);
        assertTrue(noCa.lines().anyMatch(l -> l.startsWith("galleonfs: --tls: this node joins a cluster but has no cluster certificate; start it with --join-token")),
                noCa);
        Map<String, String> states = ClusterHarness.memberStates(json(reader, "/api/v1/cluster/status"));
        assertEquals(3, states.size(), states.toString());
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

    /** Sends a JGroups-like and data-plane-like plaintext start and returns what came back before the close. */
    private static String plaintextAnswer(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write("bela\u0005\u0000GALLEON hello, let me in\r\n\r\n".repeat(8).getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(4096); // ends when the node closes the connection
            return new String(answer, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection to " + host + ":" + port + " stayed open for a plaintext client", e);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }
}
