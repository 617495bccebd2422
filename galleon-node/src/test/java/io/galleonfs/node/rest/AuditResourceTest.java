package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Mutating and refused API calls end up in the node's hash-chained audit log, readable by admins only. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class AuditResourceTest {

    private static RequestSpecification as(String secret) {
        RequestSpecification r = given().noFilters().accept(ContentType.JSON);
        return secret == null ? r : r.header("Authorization", "Bearer " + secret);
    }

    private static Optional<Map<String, Object>> find(String resource, int status) {
        List<Map<String, Object>> all = as(TestTokens.admin()).get("/api/v1/audit?limit=10000").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> resource.equals(r.get("resource")) && Integer.valueOf(status).equals(r.get("status"))).findFirst();
    }

    private static Map<String, Object> awaitRecord(String resource, int status) {
        return await("audit record of " + resource + " -> " + status).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> find(resource, status), Optional::isPresent).orElseThrow();
    }

    @Test
    void deniedAndSuccessfulMutationsAreRecorded() throws Exception {
        String viewerName = unique("viewer");
        String viewer = as(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("name", viewerName, "role", "viewer"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        String name = unique("audited");
        assertProblem(as(viewer).contentType(ContentType.JSON).body(Map.of("name", name, "size", "4M")).post(VOLUMES), 403);
        String id = as(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "size", "4M", "storage_class", "fast-local-ssd")).post(VOLUMES)
                .then().statusCode(201).extract().path("id");
        assertProblem(as(null).delete(VOLUMES + "/" + name), 401);
        as(TestTokens.admin()).delete(VOLUMES + "/" + id).then().statusCode(204);

        Map<String, Object> denied = awaitRecord(VOLUMES, 403);
        assertEquals(viewerName, denied.get("subject"));
        assertEquals("viewer", denied.get("role"));
        assertEquals("POST /api/v1/volumes", denied.get("action"));
        assertTrue(((String) denied.get("remote")).startsWith("127.0.0.1:"), denied::toString);
        Map<String, Object> created = awaitRecord(VOLUMES, 201);
        assertEquals("admin", created.get("subject"));
        Map<String, Object> anonymous = awaitRecord(VOLUMES + "/" + name, 401);
        assertEquals("-", anonymous.get("subject"));
        assertEquals("DELETE /api/v1/volumes/{ref}", anonymous.get("action"));
        awaitRecord(VOLUMES + "/" + id, 204);
        assertTrue(find(VOLUMES, 200).isEmpty(), "reads are not audited");

        JsonPath verify = as(TestTokens.admin()).get("/api/v1/audit/verify").then().statusCode(200).extract().jsonPath();
        assertTrue(verify.getBoolean("intact"), verify.prettify());
        assertTrue(verify.getLong("records") >= 4, verify.prettify());

        Path file = Path.of(System.getProperty(TestTokens.STORAGE_PROPERTY), "audit", "audit.log");
        String text = Files.readString(file);
        assertFalse(text.contains(viewer) || text.contains(TestTokens.admin()), "the log never holds a secret");

        assertProblem(as(viewer).get("/api/v1/audit"), 403);
        assertProblem(as(TestTokens.admin()).get("/api/v1/audit?since=yesterday"), 400);
        assertEquals(0, as(TestTokens.admin()).get("/api/v1/audit?since=2999-01-01T00:00:00Z").then().statusCode(200)
                .extract().jsonPath().getList("$").size());
    }
}
