package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.CLASSES;
import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Authentication (401) and roles (403) on the REST API, and the token lifecycle, with auth on as by default. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class AuthResourceTest {

    /** A request carrying exactly this Authorization value, or none for null (no filters: not even the tests' admin token). */
    private static RequestSpecification as(String authorization) {
        RequestSpecification r = given().accept(ContentType.JSON);
        return authorization == null ? r.noFilters() : r.header("Authorization", authorization);
    }

    private static RequestSpecification admin() {
        return as(TestTokens.bearerAdmin());
    }

    /** Creates a token with the admin token and returns its secret. */
    private static String token(String role, String ttl) {
        Map<String, Object> body = ttl == null ? Map.of("name", unique(role), "role", role)
                : Map.of("name", unique(role), "role", role, "ttl", ttl);
        return admin().contentType(ContentType.JSON).body(body).post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
    }

    private static void assertUnauthorized(Response r) {
        assertProblem(r, 401);
        assertEquals("Bearer", r.header("WWW-Authenticate"));
    }

    @Test
    void requestsWithoutAValidTokenAre401() {
        assertUnauthorized(as(null).get(VOLUMES));
        assertUnauthorized(as("").get(VOLUMES));
        assertUnauthorized(as("Bearer").get(VOLUMES));
        assertUnauthorized(as("Basic dXNlcjpwYXNz").get(VOLUMES));
        assertUnauthorized(as("Bearer not-a-token").get(VOLUMES));
        assertUnauthorized(as("Bearer gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").get(VOLUMES));
        assertUnauthorized(as(null).contentType(ContentType.JSON).body(Map.of("name", unique("x"), "size", "1M")).post(VOLUMES));
        // an unauthenticated caller learns nothing about names either: 401 comes before the path parameter check
        assertUnauthorized(as(null).get(VOLUMES + "/Not_A_Name"));
        // two Authorization headers are read as one comma-joined value, which is no token (not the first one alone)
        assertUnauthorized(as(null).header("Authorization", TestTokens.bearerAdmin()).header("Authorization", TestTokens.bearerAdmin())
                .get(VOLUMES));
        String detail = assertProblem(as("Bearer gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").get(VOLUMES), 401);
        assertFalse(detail.contains("gfs_"), "the detail never repeats the credential: " + detail);
    }

    /**
     * A request without valid credentials that asks before sending its body is refused without being asked for it: the
     * node neither answers {@code 100 Continue} nor reads the body before authentication
     * ({@code SmallBodyReader.mayReadAhead}): no credentials, an unknown token, a cookie that names no session.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "Authorization: Bearer gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
        "Cookie: " + UiSessionResource.COOKIE + "=no-such-session\r\n"})
    void aRequestWithoutValidCredentialsThatAsksToContinueIsRefusedBeforeItsBodyIsAskedFor(String credentials) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + VOLUMES + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + credentials + "Content-Length: 40\r\nExpect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertEquals("HTTP/1.1 401 Unauthorized", status, "refused at once, no 100 Continue first");
        }
    }

    /** Random Authorization values over HTTP: always a 401 problem, never a 5xx. */
    @Test
    void randomAuthorizationHeadersAreAlways401() {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        String[] prefixes = {"", "Bearer ", "bearer ", "Bearer gfs_", "Basic ", "gfs_", "Bearer  gfs_"};
        for (int i = 0; i < 200; i++) {
            StringBuilder v = new StringBuilder(prefixes[rnd.nextInt(prefixes.length)]);
            int len = rnd.nextInt(rnd.nextBoolean() ? 50 : 400);
            for (int k = 0; k < len; k++) {
                v.append((char) (0x21 + rnd.nextInt(0x5e)));
            }
            Response r = as(v.toString()).get(VOLUMES);
            assertEquals(401, r.statusCode(), () -> "seed " + seed + ": " + v + " -> " + r.asString());
        }
    }

    @Test
    void platformEndpointsStayOpen() {
        for (String path : List.of("/q/health/ready", "/q/health/live", "/q/openapi", "/q/metrics")) {
            given().noFilters().get(path).then().statusCode(200);
        }
    }

    @Test
    void anExpiredTokenIs401() {
        String secret = token("viewer", "3s");
        as("Bearer " + secret).get(VOLUMES).then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> as("Bearer " + secret).get(VOLUMES).statusCode() == 401);
        assertUnauthorized(as("Bearer " + secret).get(VOLUMES));
    }

    @Test
    void tokenLifecycleShowsTheSecretOnceAndRevokeIs401() {
        String name = unique("ci");
        Response created = admin().contentType(ContentType.JSON).body(Map.of("name", name, "role", "operator", "ttl", "30d"))
                .post("/api/v1/tokens");
        created.then().statusCode(201);
        String secret = created.path("secret");
        assertTrue(secret.startsWith("gfs_"), secret);
        assertEquals("operator", created.path("role"));
        assertTrue(created.path("expires_at") != null);

        String listed = admin().get("/api/v1/tokens").then().statusCode(200).extract().asString();
        assertTrue(listed.contains(name), listed);
        assertFalse(listed.contains(secret.substring(4)), "list never shows a secret");
        assertFalse(listed.contains("secret"), "list has no secret or hash fields: " + listed);
        Map<String, Object> one = admin().get("/api/v1/tokens").then().extract().jsonPath()
                .param("n", name).getMap("find { it.name == n }");
        assertNull(one.get("secret"));

        as("Bearer " + secret).get(VOLUMES).then().statusCode(200);
        assertProblem(admin().contentType(ContentType.JSON).body(Map.of("name", name, "role", "viewer")).post("/api/v1/tokens"), 409);
        assertProblem(admin().contentType(ContentType.JSON).body(Map.of("name", unique("r"), "role", "root")).post("/api/v1/tokens"), 400);
        assertProblem(admin().contentType(ContentType.JSON).body(Map.of("name", unique("r"), "role", "viewer", "ttl", "soon"))
                .post("/api/v1/tokens"), 400);

        admin().delete("/api/v1/tokens/" + name).then().statusCode(204);
        assertUnauthorized(as("Bearer " + secret).get(VOLUMES));
        assertProblem(admin().delete("/api/v1/tokens/" + name), 404);
    }

    /**
     * The token index is rebuilt from each new metadata state: a token used for many data requests is refused on the
     * very next request after its revoke is applied, on reads and writes alike.
     */
    @Test
    void aRevokedTokenIs401OnTheVeryNextDataRequest() {
        String name = unique("hot");
        String secret = admin().contentType(ContentType.JSON).body(Map.of("name", name, "role", "operator")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("secret");
        String vol = unique("hot");
        admin().contentType(ContentType.JSON).body(Map.of("name", vol, "size", "1M")).post(VOLUMES).then().statusCode(201);
        String data = VOLUMES + "/" + vol + "/data";
        for (int i = 0; i < 50; i++) {
            as("Bearer " + secret).contentType(ContentType.BINARY).body(new byte[4096]).put(data + "?offset=0").then().statusCode(200);
            as("Bearer " + secret).accept(ContentType.BINARY).get(data + "?offset=0&length=4096").then().statusCode(200);
        }
        admin().delete("/api/v1/tokens/" + name).then().statusCode(204);
        assertUnauthorized(as("Bearer " + secret).accept(ContentType.BINARY).get(data + "?offset=0&length=4096"));
        assertUnauthorized(as("Bearer " + secret).contentType(ContentType.BINARY).body(new byte[4096]).put(data + "?offset=0"));
        admin().delete(VOLUMES + "/" + vol).then().statusCode(204);
    }

    @Test
    void aViewerReadsButChangesNothing() {
        String vol = unique("ro");
        admin().contentType(ContentType.JSON).body(Map.of("name", vol, "size", "1M")).post(VOLUMES).then().statusCode(201);
        byte[] data = new byte[4096];
        java.util.Arrays.fill(data, (byte) 7);
        admin().contentType(ContentType.BINARY).body(data).put(VOLUMES + "/" + vol + "/data?offset=0").then().statusCode(200);
        int volumes = Api.volumeCount();
        int classes = admin().get(CLASSES).then().extract().jsonPath().getList("$").size();

        String viewer = "Bearer " + token("viewer", null);
        for (String path : List.of(VOLUMES, VOLUMES + "/" + vol, VOLUMES + "/" + vol + "/snapshots", VOLUMES + "/" + vol + "/mounts",
                "/api/v1/mounts", CLASSES, "/api/v1/cluster/status", "/api/v1/daemon/status", "/api/v1/daemon/config")) {
            as(viewer).get(path).then().statusCode(200);
        }
        // one refused change per resource class
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of("name", unique("x"), "size", "1M")).post(VOLUMES), 403);
        assertProblem(as(viewer).delete(VOLUMES + "/" + vol), 403);
        assertProblem(as(viewer).contentType(ContentType.BINARY).body(new byte[4096]).put(VOLUMES + "/" + vol + "/data?offset=0"), 403);
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of("name", "s1")).post(VOLUMES + "/" + vol + "/snapshots"), 403);
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of()).post(VOLUMES + "/" + vol + "/mounts"), 403);
        assertProblem(as(viewer).delete("/api/v1/mounts?path=/nowhere"), 403);
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of("name", unique("c"), "provisioner", "galleonfs.io/local"))
                .post(CLASSES), 403);
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of()).post("/api/v1/cluster/join"), 403);
        assertProblem(as(viewer).post("/api/v1/daemon/stop"), 403);
        assertProblem(as(viewer).get("/api/v1/tokens"), 403);
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of("name", unique("t"), "role", "admin")).post("/api/v1/tokens"), 403);

        assertEquals(volumes, Api.volumeCount());
        assertEquals(classes, admin().get(CLASSES).then().extract().jsonPath().getList("$").size());
        assertTrue(admin().get(VOLUMES + "/" + vol + "/snapshots").then().extract().jsonPath().getList("$").isEmpty());
        assertArrayEquals(data, admin().accept(ContentType.BINARY).get(VOLUMES + "/" + vol + "/data?offset=0&length=4096").then().statusCode(200).extract().asByteArray());
    }

    @Test
    void anOperatorWorksOnVolumesButNotOnTheCluster() {
        String operator = "Bearer " + token("operator", null);
        String vol = unique("op");
        as(operator).contentType(ContentType.JSON).body(Map.of("name", vol, "size", "1M")).post(VOLUMES).then().statusCode(201);
        as(operator).contentType(ContentType.BINARY).body(new byte[4096]).put(VOLUMES + "/" + vol + "/data?offset=0").then().statusCode(200);
        as(operator).contentType(ContentType.JSON).body(Map.of("name", "s1")).post(VOLUMES + "/" + vol + "/snapshots").then().statusCode(201);
        int classes = admin().get(CLASSES).then().extract().jsonPath().getList("$").size();

        assertProblem(as(operator).contentType(ContentType.JSON).body(Map.of("name", unique("c"), "provisioner", "galleonfs.io/local"))
                .post(CLASSES), 403);
        assertProblem(as(operator).delete(CLASSES + "/standard"), 403);
        assertProblem(as(operator).contentType(ContentType.JSON).body(Map.of()).post("/api/v1/cluster/join"), 403);
        assertProblem(as(operator).post("/api/v1/cluster/leave"), 403);
        assertProblem(as(operator).get("/api/v1/tokens"), 403);
        assertProblem(as(operator).delete("/api/v1/tokens/admin"), 403);

        assertEquals(classes, admin().get(CLASSES).then().extract().jsonPath().getList("$").size());
        admin().get("/api/v1/tokens").then().statusCode(200).body(org.hamcrest.Matchers.containsString("\"admin\""));
        as(operator).delete(VOLUMES + "/" + vol).then().statusCode(204);
    }
}
