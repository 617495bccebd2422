package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTPS servers on loopback standing in for members: who is asked, what is passed on, which answer is final. */
class CsrRelayTest {
    @TempDir
    Path dir;
    private final List<HttpsServer> servers = new ArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A member of the CA in {@code storage} that answers every request with {@code status}. */
    private HostPort member(Path storage, String name, int status) throws Exception {
        ClusterCa.TlsFiles files = ClusterCa.ensure(storage, List.of("127.0.0.1"));
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ClusterTls.sslContext(files)));
        server.createContext(NodeCertificateExchange.PATH, exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(name + " " + exchange.getRequestHeaders().getFirst("Authorization") + " " + exchange.getRequestHeaders().getFirst(CsrRelay.RELAYED_HEADER)
                    + " " + body);
            byte[] answer = ("{\"from\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    private static HostPort nobodyListening() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new HostPort("127.0.0.1", s.getLocalPort());
        }
    }

    @Test
    void skipsMembersThatAreDownOrCannotSignAndReturnsTheSignersAnswer() throws Exception {
        Path cluster = dir.resolve("cluster");
        HostPort down = nobodyListening();
        HostPort noKey = member(cluster, "no-key", 503);
        HostPort signer = member(cluster, "signer", 201);
        Map<HostPort, String> reasons = new LinkedHashMap<>();

        Optional<CsrRelay.Answer> answer = new CsrRelay(ClusterCa.of(cluster)).relay(List.of(down, noKey, signer), "Bearer gjt_secret",
                "{\"csr\":\"x\"}", reasons);

        assertEquals(201, answer.orElseThrow().status());
        assertEquals("{\"from\":\"signer\"}", answer.get().body());
        assertEquals(List.of("no-key Bearer gjt_secret 1 {\"csr\":\"x\"}", "signer Bearer gjt_secret 1 {\"csr\":\"x\"}"), seen,
                "the request and the join secret go on unchanged, marked as passed on");
        assertTrue(reasons.get(down).startsWith("unreachable"), reasons.toString());
        assertEquals("HTTP 503", reasons.get(noKey));
    }

    @Test
    void aRefusalByAMemberIsFinalAndNoFurtherMemberIsAsked() throws Exception {
        Path cluster = dir.resolve("cluster");
        HostPort refuses = member(cluster, "refuses", 401);
        HostPort signer = member(cluster, "signer", 201);

        Optional<CsrRelay.Answer> answer = new CsrRelay(ClusterCa.of(cluster)).relay(List.of(refuses, signer), "Bearer gjt_wrong", "{}",
                new LinkedHashMap<>());

        assertEquals(401, answer.orElseThrow().status());
        assertEquals(1, seen.size(), seen.toString());
    }

    @Test
    void aServerOfAnotherCaIsNeverSentTheRequest() throws Exception {
        Path cluster = dir.resolve("cluster");
        ClusterCa.ensure(cluster, List.of("127.0.0.1"));
        HostPort stranger = member(dir.resolve("another-cluster"), "stranger", 201);
        Map<HostPort, String> reasons = new LinkedHashMap<>();

        Optional<CsrRelay.Answer> answer = new CsrRelay(ClusterCa.of(cluster)).relay(List.of(stranger), "Bearer gjt_secret", "{}", reasons);

        assertTrue(answer.isEmpty());
        assertTrue(seen.isEmpty(), "the join secret went to a server of another CA: " + seen);
        assertTrue(reasons.get(stranger).startsWith("unreachable"), reasons.toString());
    }
}
