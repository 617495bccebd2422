package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/keys}: master key status, online rotation and destruction of the old key, for admins only. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class KeyResourceTest {

    private static RequestSpecification as(String secret) {
        return given().noFilters().accept(ContentType.JSON).header("Authorization", "Bearer " + secret);
    }

    private static String token(String role) {
        return as(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("name", unique(role), "role", role))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
    }

    @Test
    void adminRotatesOnlineAndDestroysTheOldKeyWhileTheVolumeKeepsItsData() throws Exception {
        String vol = given().contentType(ContentType.JSON).accept(ContentType.JSON).body(Map.of("name", unique("keys"), "size", "4M", "storage_class", "encrypted-storage", "replicas", 1))
                .post(VOLUMES).then().statusCode(201).extract().path("id");
        byte[] data = new byte[8192];
        new Random(7).nextBytes(data);
        given().contentType(ContentType.BINARY).body(data).queryParam("offset", 4096).queryParam("write_concern", "durable")
                .put(VOLUMES + "/" + vol + "/data").then().statusCode(200);

        String operator = token("operator");
        String viewer = token("viewer");
        assertProblem(as(operator).post("/api/v1/keys/rotate"), 403);
        assertProblem(as(operator).post("/api/v1/keys/destroy-old"), 403);
        assertProblem(as(viewer).get("/api/v1/keys"), 403);
        assertProblem(given().noFilters().accept(ContentType.JSON).post("/api/v1/keys/rotate"), 401);

        JsonPath before = as(TestTokens.admin()).get("/api/v1/keys").then().statusCode(200).extract().jsonPath();
        assertEquals("file", before.getString("provider"));
        String oldKey = before.getString("current_key");
        assertTrue(oldKey.startsWith("file:"), before.prettify());
        assertTrue(before.getBoolean("rotatable"));
        assertTrue(before.getInt("volumes_by_key.'" + oldKey + "'") >= 1, before.prettify());

        JsonPath rotated = as(TestTokens.admin()).post("/api/v1/keys/rotate?destroy_old=true").then().statusCode(200)
                .extract().jsonPath();
        String newKey = rotated.getString("new_key");
        assertEquals(oldKey, rotated.getString("previous_key"));
        assertNotEquals(oldKey, newKey);
        assertTrue(rotated.getInt("rewrapped") >= 1, rotated.prettify());
        assertTrue(rotated.getList("destroyed_keys").contains(oldKey), rotated.prettify());
        assertEquals(List.of(), rotated.getList("retired_keys"));

        byte[] back = given().queryParam("offset", 4096).queryParam("length", data.length).get(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(data, back, "the volume reads the same after its data key was rewrapped");
        JsonPath after = as(TestTokens.admin()).get("/api/v1/keys").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(newKey), after.getList("held_keys"));
        assertFalse(after.getMap("volumes_by_key").containsKey(oldKey), after.prettify());

        Path keys = Path.of(System.getProperty(TestTokens.STORAGE_PROPERTY), "keys");
        assertFalse(Files.exists(keys.resolve("master.key")), "the first key file is destroyed");
        try (var files = Files.list(keys)) {
            List<String> left = files.map(f -> f.getFileName().toString()).toList();
            assertEquals(1, left.size(), left::toString);
            assertTrue(left.getFirst().matches("master\\.key\\.v\\d+"), left::toString);
        }

        JsonPath nothing = as(TestTokens.admin()).post("/api/v1/keys/destroy-old").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(), nothing.getList("destroyed_keys"));
        given().delete(VOLUMES + "/" + vol).then().statusCode(204);
    }
}
