package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.CLASSES;
import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.galleonfs.node.rest.Api.volumeCount;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Input that used to slip through or end in a 500: each is a 400 with a problem body and changes nothing. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class SloppyInputTest {

    @ParameterizedTest
    @ValueSource(strings = {"snapshots", "expand", "restore", "clone"})
    void duplicateKeysAre400(String action) {
        String volume = unique("dup");
        createVolume(Map.of("name", volume, "size", "1M"));
        String body = switch (action) {
            case "snapshots" -> "{\"name\":\"a\",\"name\":\"b\"}";
            case "expand" -> "{\"size\":\"2M\",\"size\":\"3M\"}";
            case "restore" -> "{\"snapshot\":\"a\",\"snapshot\":\"b\"}";
            default -> "{\"name\":\"" + unique("c") + "\",\"name\":\"" + unique("d") + "\"}";
        };
        int before = volumeCount();
        String detail = assertProblem(given().contentType(ContentType.JSON).body(body).post(VOLUMES + "/" + volume + "/" + action), 400);
        assertTrue(detail.contains("Duplicate field") || detail.contains("duplicate"), detail);
        assertEquals(before, volumeCount());
        assertEquals(List.of(), given().get(VOLUMES + "/" + volume + "/snapshots").then().extract().jsonPath().getList("name"));
        assertEquals(1 << 20, (int) given().get(VOLUMES + "/" + volume).then().extract().path("size_bytes"));
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    /** CI seed 74545149024380: a duplicate key whose second value is null reached Jackson's record creator and was a 500:
     * a wildcard Content-Type is now 415, a JSON one 400. */
    @ParameterizedTest
    @ValueSource(strings = {"application/json", "*/*"})
    void aDuplicateKeyWithANullSecondValueIsRefused(String contentType) throws Exception {
        String volume = unique("dupnull");
        createVolume(Map.of("name", volume, "size", "1M"));
        RawHttp.Reply reply = RawHttp.send(io.restassured.RestAssured.port, "POST", VOLUMES + "/" + volume + "/expand",
                contentType, "{\"size\":\"2M\",\"size\":null}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(contentType.contains("*") ? 415 : 400, reply.status(), reply.text());
        assertTrue(reply.contentType().startsWith(io.galleonfs.api.Problem.MEDIA_TYPE), reply.contentType());
        assertTrue(reply.text().contains(contentType.contains("*") ? "pattern" : "size"), reply.text());
        assertEquals(1 << 20, (int) given().get(VOLUMES + "/" + volume).then().extract().path("size_bytes"));
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    @Test
    void duplicateKeysOnCreateAre400() {
        int before = volumeCount();
        assertProblem(given().contentType(ContentType.JSON).body("{\"name\":\"" + unique("a") + "\",\"name\":\"" + unique("b") + "\"}")
                .post(VOLUMES), 400);
        assertEquals(before, volumeCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "1.0", "2e0", "1e400"})
    void fractionalReplicasAre400(String replicas) {
        int before = volumeCount();
        assertProblem(given().contentType(ContentType.JSON)
                .body("{\"name\":\"" + unique("frac") + "\",\"size\":\"1M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":" + replicas + "}")
                .post(VOLUMES), 400);
        assertEquals(before, volumeCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"placement=bogus", "min_replicas=-5", "min_replicas=x", "min_replicas=9|replication=3",
        "replication_strategy=sometimes", "node_affinity=novalue", "volume_affinity=Bad_Name"})
    void badClassParametersAreRefusedAtCreate(String spec) {
        Map<String, String> params = new java.util.HashMap<>();
        for (String kv : spec.split("\\|")) {
            params.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        String name = unique("cls");
        Response r = given().contentType(ContentType.JSON).body(Map.of("name", name, "parameters", params)).post(CLASSES);
        assertProblem(r, 400);
        given().get(CLASSES + "/" + name).then().statusCode(404);
    }

    @Test
    void absurdBenchTotalsAre400AndTimeLimitsStopARun() {
        String volume = unique("bench");
        createVolume(Map.of("name", volume, "size", "1M"));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("io_total", "8E")).post(VOLUMES + "/" + volume + "/bench"), 400);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("io_total", "5G")).post(VOLUMES + "/" + volume + "/bench"), 400);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("max_seconds", 0)).post(VOLUMES + "/" + volume + "/bench"), 400);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("max_seconds", 100000)).post(VOLUMES + "/" + volume + "/bench"), 400);
        Response r = given().contentType(ContentType.JSON)
                .body(Map.of("io_total", "4G", "io_size", "4K", "io_threads", 2, "max_seconds", 1)).post(VOLUMES + "/" + volume + "/bench");
        r.then().statusCode(200);
        assertEquals("time limit", r.path("stopped_early"));
        long ops = ((Number) r.path("ops")).longValue();
        assertTrue(ops > 0 && ops < (4L << 30) / 4096, "ops " + ops);
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    @Test
    void aBenchStopsWhenItsCallerGoesAway() throws Exception {
        String volume = unique("bench");
        createVolume(Map.of("name", volume, "size", "64M"));
        String body = "{\"io_total\":\"1G\",\"io_threads\":2,\"max_seconds\":600,\"io_pattern\":\"rand\"}";
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            s.getOutputStream().write(("POST " + VOLUMES + "/" + volume + "/bench HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + TestTokens.bearerAdmin() + "\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> benchThreads(volume) > 0);
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> benchThreads(volume) == 0);
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    private static long benchThreads(String volume) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(io.galleonfs.node.volume.BenchRunner.THREAD_PREFIX + volume + "-")).count();
    }

    @Test
    void oversizedUploadsAre413ProblemsWhetherChunkedOrNot() {
        String volume = unique("big");
        createVolume(Map.of("name", volume, "size", "16M"));
        byte[] tooBig = new byte[(8 << 20) + 1];
        assertTrue(assertProblem(given().contentType(ContentType.BINARY).body(new java.io.ByteArrayInputStream(tooBig))
                .put(VOLUMES + "/" + volume + "/data?offset=0"), 413).contains("limited to"));
        assertProblem(given().contentType(ContentType.BINARY).body(new byte[10 << 20]).put(VOLUMES + "/" + volume + "/data?offset=0"), 413);
        byte[] ok = new byte[8 << 20];
        new java.util.Random(1).nextBytes(ok);
        given().contentType(ContentType.BINARY).body(new java.io.ByteArrayInputStream(ok)).put(VOLUMES + "/" + volume + "/data?offset=0")
                .then().statusCode(200);
        org.junit.jupiter.api.Assertions.assertArrayEquals(ok, given().get(VOLUMES + "/" + volume + "/data?offset=0&length=" + ok.length)
                .then().statusCode(200).extract().asByteArray());
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    /**
     * Small bodies are read on the event loop before the request reaches its resource ({@link SmallBodyReader}): a
     * body that waits for {@code 100 Continue} and then comes in pieces is still read whole. Without the 100 from the
     * reader this client would wait for it in vain (curl sends bodies over 1 KiB this way).
     */
    @Test
    void aBodySentInPiecesAfterExpectContinueIsReadWhole() throws Exception {
        String volume = unique("pieces");
        // the name first and the size last, 2 KiB of white space between: both halves matter
        byte[] body = ("{\"name\":\"" + volume + "\"," + " ".repeat(2048) + "\"size\":\"3M\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST " + VOLUMES + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: "
                    + TestTokens.bearerAdmin() + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.flush();
            java.io.InputStream in = s.getInputStream();
            StringBuilder interim = new StringBuilder();
            while (!interim.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0, "closed before 100 Continue: " + interim);
                interim.append((char) b);
            }
            assertTrue(interim.toString().startsWith("HTTP/1.1 100"), interim.toString());
            int half = body.length / 2;
            out.write(body, 0, half); // with TCP_NODELAY each write leaves as its own segment: the body comes in pieces
            out.flush();
            out.write(body, half, body.length - half);
            out.flush();
            String reply = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 201"), reply);
        }
        assertEquals(3 << 20, (int) given().get(VOLUMES + "/" + volume).then().statusCode(200).extract().path("size_bytes"));
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }
}
