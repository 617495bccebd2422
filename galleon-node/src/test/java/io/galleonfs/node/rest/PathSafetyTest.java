package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.Problem;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Paths are taken as sent, never normalised into another resource: {@code DELETE .../snapshots/..} once deleted the
 * volume. Requests go over a raw socket, because HTTP client libraries resolve dot segments themselves.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class PathSafetyTest {

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2e", "..%2f..", "a%2fb", "%5c", "%00", ".%2E/"})
    void dotSegmentsAndEscapesDeleteNothing(String tail) throws IOException {
        String volume = unique("path");
        createVolume(Map.of("name", volume, "size", "1M"));
        given().contentType(ContentType.JSON).body(Map.of("name", "keep")).post(VOLUMES + "/" + volume + "/snapshots")
                .then().statusCode(201);

        Raw r = raw("DELETE", VOLUMES + "/" + volume + "/snapshots/" + tail);
        assertEquals(400, r.status(), r.text());
        assertTrue(r.text().contains(Problem.MEDIA_TYPE), r.text());
        assertFalse(r.text().contains("java."), r.text());

        given().get(VOLUMES + "/" + volume).then().statusCode(200);
        List<String> snaps = given().get(VOLUMES + "/" + volume + "/snapshots").then().statusCode(200)
                .extract().jsonPath().getList("name");
        assertEquals(List.of("keep"), snaps);
        given().delete(VOLUMES + "/" + volume + "?force=true").then().statusCode(204);
    }

    /** Vert.x's HTTP decoder refuses a malformed escape itself, with a bare 400, before any handler of ours runs. */
    @Test
    void malformedEscapesAre400() throws IOException {
        String volume = unique("path");
        createVolume(Map.of("name", volume, "size", "1M"));
        assertEquals(400, raw("DELETE", VOLUMES + "/" + volume + "/snapshots/%zz").status());
        assertEquals(400, raw("DELETE", VOLUMES + "/%2").status());
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    @Test
    void dotSegmentsNeverReachAnotherCollection() throws IOException {
        String volume = unique("path");
        createVolume(Map.of("name", volume, "size", "1M"));
        assertEquals(400, raw("DELETE", VOLUMES + "/" + volume + "/..").status());
        assertEquals(400, raw("DELETE", VOLUMES + "/" + volume + "/mounts/..").status());
        assertEquals(400, raw("POST", "/api/v1/storage-classes/../volumes").status());
        assertEquals(400, raw("GET", "/api/v1//volumes").status());
        assertEquals(400, raw("GET", "/api/v1/volumes/" + "a".repeat(3000)).status());
        given().get(VOLUMES + "/" + volume).then().statusCode(200);
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    @Test
    void invalidNamesInPathParametersAre400() {
        String volume = unique("path");
        createVolume(Map.of("name", volume, "size", "1M"));
        assertEquals(400, given().get(VOLUMES + "/Not_A_Name").statusCode());
        assertEquals(400, given().delete(VOLUMES + "/" + volume + "/snapshots/BAD!").statusCode());
        assertEquals(400, given().delete("/api/v1/storage-classes/" + "x".repeat(64)).statusCode());
        assertEquals(400, given().delete(VOLUMES + "/" + volume + "/mounts/not-a-uuid").statusCode());
        String detail = given().get(VOLUMES + "/Not_A_Name").then().extract().path("detail");
        assertTrue(detail.startsWith("volume 'Not_A_Name' is not a valid name or UUID"), detail);
        given().delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    @Test
    void browsersOnOtherSitesCannotChangeAnything() throws IOException {
        String volume = unique("csrf");
        createVolume(Map.of("name", volume, "size", "1M"));
        try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
            s.getOutputStream().write(("DELETE " + VOLUMES + "/" + volume + " HTTP/1.1\r\nHost: 127.0.0.1:" + RestAssured.port
                    + "\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 403"), reply);
            assertTrue(reply.contains("cross-origin request refused"), reply);
        }
        given().get(VOLUMES + "/" + volume).then().statusCode(200);
        given().header("Origin", "http://127.0.0.1:" + RestAssured.port).delete(VOLUMES + "/" + volume).then().statusCode(204);
    }

    /**
     * HTTP/2, which browsers speak over TLS, has no Host header (only {@code :authority}): the page's own changes must still
     * pass the cross-origin check, and another origin's must still be refused. Sent as h2c with prior knowledge.
     */
    @Test
    void overHttp2TheOriginIsComparedWithTheAuthority() throws Exception {
        String volume = unique("h2");
        createVolume(Map.of("name", volume, "size", "1M"));
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            java.util.function.Function<String, String> delete = origin -> {
                try {
                    return client.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.DELETE)
                                    .setHost("127.0.0.1").setPort(RestAssured.port).setURI(VOLUMES + "/" + volume).putHeader("Origin", origin)
                                    .putHeader("Authorization", TestTokens.bearerAdmin()))
                            .compose(req -> req.send().compose(resp -> resp.body().map(body -> resp.version() + " " + resp.statusCode() + " " + body)))
                            .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            String evil = delete.apply("http://evil.example");
            assertTrue(evil.startsWith("HTTP_2 403") && evil.contains("cross-origin request refused"), evil);
            given().get(VOLUMES + "/" + volume).then().statusCode(200);
            String own = delete.apply("http://127.0.0.1:" + RestAssured.port);
            assertTrue(own.startsWith("HTTP_2 204"), own);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void healthAndPlainPathsStillWork() throws IOException {
        assertEquals(200, raw("GET", "/q/health/ready").status());
        assertEquals(200, raw("GET", VOLUMES).status());
        assertEquals(200, raw("GET", VOLUMES + "/").status());
    }

    record Raw(int status, String text) {
    }

    static Raw raw(String method, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n"
                    + "Authorization: " + TestTokens.bearerAdmin() + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            return new Raw(status, text);
        }
    }
}
