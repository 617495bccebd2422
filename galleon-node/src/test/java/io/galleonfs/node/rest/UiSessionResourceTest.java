package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The dashboard's login (/ui/session), its cookie, CSRF on cookie-authenticated changes, and the /ui headers. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class UiSessionResourceTest {
    private static final String SESSION = "/ui/session";

    @TestHTTPResource("/")
    URI base;

    /** A browser-like request: no bearer token (no filters), only what the test adds. */
    private static RequestSpecification browser() {
        return given().noFilters().accept(ContentType.JSON);
    }

    private record Login(String cookie, String csrf, Response response) {
    }

    private static Login login(String token) {
        Response r = browser().contentType(ContentType.JSON).body(Map.of("token", token)).post(SESSION);
        assertEquals(200, r.statusCode(), r.asString());
        return new Login(r.getCookie(UiSessionResource.COOKIE), r.path("csrf"), r);
    }

    private static RequestSpecification as(Login l) {
        return browser().cookie(UiSessionResource.COOKIE, l.cookie());
    }

    private static String token(String role) {
        return given().contentType(ContentType.JSON).body(Map.of("name", unique(role), "role", role))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
    }

    @Test
    void loginSetsAHardenedCookieThatIsNotTheToken() {
        Login l = login(TestTokens.admin());
        String setCookie = l.response().header("Set-Cookie");
        for (String flag : new String[] {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age="}) {
            assertTrue(setCookie.contains(flag), setCookie);
        }
        assertFalse(setCookie.contains(TestTokens.admin()), "the cookie never carries the token");
        assertEquals("admin", l.response().path("role"));
        assertEquals("no-store", l.response().header("Cache-Control"));
        assertTrue(l.csrf().length() >= 40, l.csrf());
        Response who = as(l).get(SESSION);
        assertEquals(200, who.statusCode());
        assertEquals(l.csrf(), who.path("csrf"));
        assertEquals(200, as(l).get(VOLUMES).statusCode(), "the cookie authenticates API reads");
    }

    @Test
    void wrongTokensAreRefusedReadably() {
        String detail = assertProblem(browser().contentType(ContentType.JSON).body(Map.of("token", "gfs_" + "A".repeat(43))).post(SESSION), 401);
        assertTrue(detail.contains("unknown or was revoked"), detail);
        detail = assertProblem(browser().contentType(ContentType.JSON).body(Map.of("token", "password")).post(SESSION), 401);
        assertTrue(detail.contains("not a GalleonFS API token"), detail);
        assertProblem(browser().contentType(ContentType.JSON).body("{}").post(SESSION), 401);
        assertProblem(browser().contentType(ContentType.JSON).body("{\"token\": 1, \"extra\": true}").post(SESSION), 400);
        assertProblem(browser().get(SESSION), 401);
        assertProblem(browser().cookie(UiSessionResource.COOKIE, "forged").get(VOLUMES), 401);
    }

    @Test
    void cookieChangesNeedTheCsrfHeader() {
        Login l = login(TestTokens.admin());
        String name = unique("ui");
        Map<String, Object> body = Map.of("name", name, "size", "1M", "storage_class", "fast-local-ssd");
        String detail = assertProblem(as(l).contentType(ContentType.JSON).body(body).post(VOLUMES), 403);
        assertTrue(detail.contains("CSRF"), detail);
        assertProblem(as(l).header(UiSessionResource.CSRF_HEADER, "x" + l.csrf().substring(1)).contentType(ContentType.JSON).body(body).post(VOLUMES), 403);
        assertEquals(404, given().get(VOLUMES + "/" + name).statusCode(), "nothing was created");
        assertEquals(201, as(l).header(UiSessionResource.CSRF_HEADER, l.csrf()).contentType(ContentType.JSON).body(body).post(VOLUMES).statusCode());
        assertEquals(204, as(l).header(UiSessionResource.CSRF_HEADER, l.csrf()).delete(VOLUMES + "/" + name).statusCode());
    }

    @Test
    void aViewerSessionGetsTheViewerRole() {
        Login l = login(token("viewer"));
        assertEquals("viewer", l.response().path("role"));
        assertEquals(200, as(l).get(VOLUMES).statusCode());
        String detail = assertProblem(as(l).header(UiSessionResource.CSRF_HEADER, l.csrf()).contentType(ContentType.JSON)
                .body(Map.of("name", unique("v"), "size", "1M")).post(VOLUMES), 403);
        assertTrue(detail.contains("needs operator"), detail);
        assertProblem(as(l).get("/api/v1/tokens"), 403);
    }

    @Test
    void revokingTheTokenEndsItsSessions() {
        String name = unique("op");
        String secret = given().contentType(ContentType.JSON).body(Map.of("name", name, "role", "operator"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        Login l = login(secret);
        assertEquals(200, as(l).get(VOLUMES).statusCode());
        given().delete("/api/v1/tokens/" + name).then().statusCode(204);
        assertProblem(as(l).get(VOLUMES), 401);
        assertProblem(as(l).get(SESSION), 401);
    }

    @Test
    void logoutNeedsCsrfAndEndsTheSession() {
        Login l = login(TestTokens.admin());
        assertProblem(as(l).delete(SESSION), 403);
        assertEquals(200, as(l).get(VOLUMES).statusCode(), "a refused logout leaves the session");
        Response out = as(l).header(UiSessionResource.CSRF_HEADER, l.csrf()).delete(SESSION);
        assertEquals(204, out.statusCode());
        assertTrue(out.header("Set-Cookie").contains("Max-Age=0"), out.header("Set-Cookie"));
        String detail = assertProblem(as(l).get(VOLUMES), 401);
        assertTrue(detail.contains("session has ended"), detail);
    }

    @Test
    void aCrossSiteLoginOrChangeIsRefused() {
        assertProblem(browser().header("Sec-Fetch-Site", "cross-site").contentType(ContentType.JSON)
                .body(Map.of("token", TestTokens.admin())).post(SESSION), 403);
        Login l = login(TestTokens.admin());
        assertProblem(as(l).header("Origin", "http://evil.example").header(UiSessionResource.CSRF_HEADER, l.csrf())
                .contentType(ContentType.JSON).body(Map.of("name", unique("x"), "size", "1M")).post(VOLUMES), 403);
    }

    @Test
    void bearerTokensStillWorkAndWin() {
        assertEquals(200, browser().header("Authorization", TestTokens.bearerAdmin()).get(VOLUMES).statusCode());
        assertProblem(browser().header("Authorization", "Bearer gfs_" + "A".repeat(43))
                .cookie(UiSessionResource.COOKIE, login(TestTokens.admin()).cookie()).get(VOLUMES), 401);
    }

    @Test
    void dashboardFilesCarrySecurityHeaders() {
        Response index = browser().redirects().follow(false).get("/ui");
        assertEquals(302, index.statusCode());
        assertEquals("/ui/", index.header("Location"));
        for (String path : new String[] {"/ui/", "/ui/app.js", "/ui/app.css", SESSION}) {
            Response r = browser().get(path);
            String csp = r.header("Content-Security-Policy");
            assertNotNull(csp, path);
            assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("nosniff", r.header("X-Content-Type-Options"), path);
            assertEquals("no-referrer", r.header("Referrer-Policy"), path);
            assertEquals("DENY", r.header("X-Frame-Options"), path);
        }
        String html = browser().accept("text/html").get("/ui/").then().statusCode(200).extract().asString();
        assertFalse(html.matches("(?s).*<script>.*") || html.matches("(?s).*\\son[a-z]+=.*") || html.contains("style="),
                "no inline script, handler or style: " + html);
        Response uplot = browser().get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
        assertEquals(200, uplot.statusCode(), "uPlot from the webjar");
        assertEquals("nosniff", uplot.header("X-Content-Type-Options"));
    }

    @Test
    void theNodeIoStreamServesASessionLikeEventSourceDoes() throws Exception {
        assertProblem(given().noFilters().accept("text/event-stream").get("/api/v1/metrics/stream"), 401);
        Login l = login(TestTokens.admin());
        HttpRequest req = HttpRequest.newBuilder(base.resolve("api/v1/metrics/stream"))
                .header("Accept", "text/event-stream").header("Cookie", UiSessionResource.COOKIE + "=" + l.cookie())
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<Stream<String>> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, resp.statusCode());
        List<String> events;
        try (Stream<String> lines = resp.body()) {
            events = lines.filter(line -> line.startsWith("data:")).limit(2).toList();
        }
        assertEquals(2, events.size());
        JsonNode first = new ObjectMapper().readTree(events.get(0).substring("data:".length()));
        assertTrue(first.get("timestamp_millis").asLong() > 0 && first.has("write_iops") && first.has("read_mb_per_second"), first.toString());
    }
}
