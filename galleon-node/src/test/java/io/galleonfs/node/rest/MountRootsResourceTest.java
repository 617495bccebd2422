package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An operator's token may mount a volume only under the node's mount point: elsewhere is 403 and changes nothing. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class MountRootsResourceTest {

    private static RequestSpecification as(String secret) {
        return given().noFilters().accept(ContentType.JSON).header("Authorization", "Bearer " + secret);
    }

    @Test
    void anOperatorCannotMountOutsideTheMountPoint() throws Exception {
        String ns = unique("mr");
        String operator = as(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", unique("op"), "role", "operator", "namespaces", List.of(ns)))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        String vol = unique("mrv");
        as(operator).contentType(ContentType.JSON)
                .body(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "namespace", ns))
                .post(VOLUMES).then().statusCode(201);
        Path outside = Files.createTempDirectory("galleon-mount-outside").resolve("etc-like");
        try {
            String detail = assertProblem(as(operator).contentType(ContentType.JSON)
                    .body(Map.of("path", outside.toString())).post(VOLUMES + "/" + vol + "/mounts"), 403);
            assertTrue(detail.contains("outside the directories this node allows mounts in"), detail);
            assertFalse(Files.exists(outside), "a refused mount creates no directory");
            assertEquals(List.of(), as(operator).get(VOLUMES + "/" + vol + "/mounts").then().statusCode(200)
                    .extract().jsonPath().getList("id"));
        } finally {
            Files.deleteIfExists(outside);
            Files.deleteIfExists(outside.getParent());
            as(TestTokens.admin()).delete(VOLUMES + "/" + vol + "?namespace=" + ns);
        }
    }
}
