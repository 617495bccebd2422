package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A backup request repeated with its idempotency key (a scheduler taking over a run) never makes a second backup. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class BackupIdempotencyTest {
    private Path repoDir;

    @BeforeEach
    void repo() throws IOException {
        repoDir = Files.createTempDirectory("galleon-idem-test-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(repoDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void aRepeatedKeyAnswersTheFirstBackupsJobAndOtherKeysStartNewOnes() {
        String target = unique("tgt");
        given().contentType(ContentType.JSON).body(Map.of("name", target, "url", repoDir.toUri().toString(), "passphrase", "correct horse"))
                .post("/api/v1/backup-targets").then().statusCode(201);
        String vol = unique("ivol");
        createVolume(Map.of("name", vol, "size", "1M", "storage_class", "fast-local-ssd", "replicas", 1));
        Map<String, Object> body = Map.of("volume", vol, "target", target, "strategy", "full", "idempotency_key", "policy-run:r1:" + vol);
        String job = given().contentType(ContentType.JSON).body(body).queryParam("wait", true).post("/api/v1/backups")
                .then().statusCode(200).body("state", equalTo("succeeded")).extract().path("id");
        String backup = given().get("/api/v1/jobs/" + job).then().statusCode(200).extract().path("backup_id");
        // Same key, in the body or as the Idempotency-Key header: the same job, no new backup.
        given().contentType(ContentType.JSON).body(body).post("/api/v1/backups").then().statusCode(202).body("id", equalTo(job))
                .body("backup_id", equalTo(backup));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "policy-run:r1:" + vol)
                .body(Map.of("volume", vol, "target", target, "strategy", "full")).post("/api/v1/backups")
                .then().statusCode(202).body("id", equalTo(job));
        assertEquals(1, given().queryParam("volume", vol).get("/api/v1/backups").then().statusCode(200).extract().jsonPath().getList("id").size());
        // Another key is another backup.
        String other = given().contentType(ContentType.JSON).body(Map.of("volume", vol, "target", target, "strategy", "full",
                "idempotency_key", "policy-run:r2:" + vol)).queryParam("wait", true).post("/api/v1/backups").then().statusCode(200)
                .extract().path("backup_id");
        assertNotEquals(backup, other);
        // A deleted backup frees its key.
        given().delete("/api/v1/backups/" + backup).then().statusCode(204);
        String again = given().contentType(ContentType.JSON).body(body).queryParam("wait", true).post("/api/v1/backups")
                .then().statusCode(200).extract().path("backup_id");
        assertNotEquals(backup, again);
        given().contentType(ContentType.JSON).body(Map.of("volume", vol, "target", target, "idempotency_key", "has space"))
                .post("/api/v1/backups").then().statusCode(400).body("detail", containsString("idempotency_key"));
    }
}
