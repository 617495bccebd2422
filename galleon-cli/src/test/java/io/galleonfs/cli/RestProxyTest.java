package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.NameRequest;
import io.galleonfs.api.VolumeInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI's REST client against a real HTTP server on loopback: what goes on the wire and what comes back. */
class RestProxyTest {
    record Seen(String method, String rawPathAndQuery, String contentType, String accept, String authorization, byte[] body, int clientPort) {
    }

    private HttpServer server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answerType = "application/json";
    private volatile byte[] answer = new byte[0];

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()),
                    ex.getRequestHeaders().getFirst("Content-Type"), ex.getRequestHeaders().getFirst("Accept"),
                    ex.getRequestHeaders().getFirst("Authorization"), body, ex.getRemoteAddress().getPort()));
            ex.getResponseHeaders().add("Content-Type", answerType);
            if (answer.length == 0) {
                ex.sendResponseHeaders(status == 200 ? 204 : status, -1);
            } else {
                ex.sendResponseHeaders(status, answer.length);
                ex.getResponseBody().write(answer);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private GalleonApi api(Optional<String> token) {
        return RestProxy.create(GalleonApi.class, URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                Duration.ofSeconds(2), Duration.ofSeconds(5), token, Optional.empty());
    }

    @Test
    void pathAndQueryParametersAreEncodedAndNullQueriesLeftOut() {
        api(Optional.of("s3cret")).deleteVolume("a b/c", true);
        Seen s = seen.getFirst();
        assertEquals("DELETE", s.method());
        assertEquals("/api/v1/volumes/a%20b%2Fc?force=true", s.rawPathAndQuery(), "a '/' in a value must not become a path separator");
        assertEquals("Bearer s3cret", s.authorization());

        answer = "{\"written\":4}".getBytes(StandardCharsets.UTF_8);
        api(Optional.empty()).writeData("vol", 4096, null, new byte[] {1, 2, 3, 4});
        Seen w = seen.get(1);
        assertEquals("PUT", w.method());
        assertEquals("/api/v1/volumes/vol/data?offset=4096", w.rawPathAndQuery());
        assertEquals("application/octet-stream", w.contentType());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, w.body());
        assertNull(w.authorization());
    }

    @Test
    void jsonBodiesGoOutSnakeCaseAndGenericAnswersComeBackTyped() {
        answer = "{\"name\":\"s1\",\"created_at\":\"2026-12-04T00:00:00Z\",\"unknown_future_field\":1}".getBytes(StandardCharsets.UTF_8);
        api(Optional.empty()).createSnapshot("vol", new NameRequest("s1"));
        Seen s = seen.getFirst();
        assertEquals("POST", s.method());
        assertEquals("application/json", s.contentType());
        assertEquals("application/json", s.accept());
        assertEquals("{\"name\":\"s1\"}", new String(s.body(), StandardCharsets.UTF_8));

        answer = "[{\"id\":\"7\",\"name\":\"db\",\"size_bytes\":1048576,\"replica_count\":3}]".getBytes(StandardCharsets.UTF_8);
        List<VolumeInfo> volumes = api(Optional.empty()).listVolumes();
        assertInstanceOf(VolumeInfo.class, volumes.getFirst());
        assertEquals(1 << 20, volumes.getFirst().sizeBytes());
        assertEquals(3, volumes.getFirst().replicaCount());
    }

    @Test
    void binaryAnswersAreReturnedAsTheyCame() {
        answerType = "application/octet-stream";
        answer = new byte[] {9, 8, 7};
        assertArrayEquals(new byte[] {9, 8, 7}, api(Optional.empty()).readData("vol", 0, 3));
        assertEquals("application/octet-stream", seen.getFirst().accept());
    }

    @Test
    void anErrorAnswerCarriesItsStatusAndProblemBodyAndReadsAsOneLine() {
        status = 404;
        answerType = "application/problem+json";
        answer = "{\"status\":404,\"title\":\"Not Found\",\"detail\":\"volume 'x' not found\"}".getBytes(StandardCharsets.UTF_8);
        ApiException e = assertThrows(ApiException.class, () -> api(Optional.empty()).getVolume("x"));
        assertEquals(404, e.status());
        assertEquals("volume 'x' not found (HTTP 404)", ErrorHandler.describe(e));
    }

    @Test
    void problemBodiesOfEveryShapeReadAsOneLine() {
        status = 409;
        answerType = "application/problem+json";
        String[][] cases = {
            {"{\"status\":409,\"detail\":\"in use\",\"extension\":{\"a\":[1]}}", "in use (HTTP 409)"},
            {"{\"status\":\"409\",\"detail\":\"status as text\"}", "status as text (HTTP 409)"}, // Jackson's tree reads it
            {"{\"detail\":5}", "5 (HTTP 409)"},
            {"{\"detail\":null}", "the daemon answered HTTP 409"},
            {"<html>busy</html>", "the daemon answered HTTP 409"},
        };
        for (String[] c : cases) {
            answer = c[0].getBytes(StandardCharsets.UTF_8);
            ApiException e = assertThrows(ApiException.class, () -> api(Optional.empty()).getVolume("x"));
            assertEquals(c[1], ErrorHandler.describe(e), c[0]);
        }
    }

    @Test
    void aRefusedConnectionIsATransportErrorWithItsCause() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        GalleonApi api = RestProxy.create(GalleonApi.class, URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Optional.empty(), Optional.empty());
        ApiTransportException e = assertThrows(ApiTransportException.class, api::listVolumes);
        boolean connect = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            connect |= t instanceof ConnectException;
        }
        assertTrue(connect, "cause chain should hold the ConnectException: " + e);
    }

    @Test
    void consecutiveCallsReuseOneConnection() {
        GalleonApi api = api(Optional.empty());
        answer = "[]".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), api.listVolumes());
        }
        assertEquals(3, seen.size());
        assertEquals(1, seen.stream().map(Seen::clientPort).distinct().count(),
                "import and export send one request per chunk: each must not pay a new connection");
    }

    @Test
    void aPostWithoutBodySendsAnEmptyOne() {
        answer = "{\"id\":\"j1\"}".getBytes(StandardCharsets.UTF_8);
        api(Optional.empty()).cancelJob("j1");
        assertEquals("POST", seen.getFirst().method());
        assertEquals(0, seen.getFirst().body().length);
    }
}
