package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.assertProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** Health, OpenAPI, and what unknown paths and wrong methods answer. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class PlatformEndpointsTest {

    @Test
    void readinessIsUp() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("galleonfs-node"))
                .body("checks.find { it.name == 'galleonfs-node' }.status", equalTo("UP"));
    }

    @Test
    void metricsExposeClusterAndEngineGauges() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("galleon_cluster_members{state=\"up\"} 1.0"))
                .body(containsString("galleon_cluster_is_leader 1.0"))
                .body(containsString("galleon_cluster_majority_reachable 1.0"))
                .body(containsString("galleon_engine_fsyncs_total"));
    }

    @Test
    void livenessIsUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void openApiDocumentsTheVolumesApi() {
        given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/volumes"))
                .body(containsString("/api/v1/storage-classes"))
                .body(containsString("/api/v1/daemon/status"));
        given().accept(ContentType.JSON).queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .contentType(ContentType.JSON)
                .body("paths.'/api/v1/volumes'.post", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void unknownPathsAreNotFoundProblems() {
        assertProblem(given().accept(ContentType.JSON).get("/api/v1/nope"), 404);
        assertProblem(given().accept(ContentType.JSON).get("/api/v1/volumes/a/b"), 404);
        assertProblem(given().accept(ContentType.JSON).get("/api/v2/volumes"), 404);
        assertProblem(given().accept(ContentType.JSON).get("/api/v1/daemon/nope"), 404);
    }

    @Test
    void wrongMethodsAreMethodNotAllowedProblems() {
        assertProblem(given().contentType(ContentType.JSON).body("{}").put("/api/v1/volumes"), 405);
        assertProblem(given().delete("/api/v1/volumes"), 405);
        assertProblem(given().contentType(ContentType.JSON).body("{}").patch("/api/v1/volumes/some-volume"), 405);
        assertProblem(given().contentType(ContentType.JSON).body("{}").post("/api/v1/volumes/some-volume"), 405);
        assertProblem(given().delete("/api/v1/storage-classes"), 405);
        assertProblem(given().contentType(ContentType.JSON).body("{}").put("/api/v1/storage-classes/fast-local-ssd"), 405);
        assertProblem(given().contentType(ContentType.JSON).body("{}").post("/api/v1/daemon/status"), 405);
        assertProblem(given().delete("/api/v1/daemon/config"), 405);
    }
}
