package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.postVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.galleonfs.node.rest.Api.volumeCount;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeResourceTest {
    private static final String UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @ConfigProperty(name = "galleon.storage_path")
    String storagePath;

    @Test
    void createWithDefaults() {
        int before = volumeCount();
        Response r = postVolume(Map.of());
        r.then().statusCode(201)
                .contentType(ContentType.JSON)
                .header("Location", notNullValue())
                .body("id", matchesPattern(UUID_RE))
                .body("name", matchesPattern("vol-[0-9a-f]{8}"))
                .body("volume_type", equalTo("persistent"))
                .body("size_bytes", equalTo(1 << 30))
                .body("block_size", equalTo(4096))
                .body("storage_class", equalTo("encrypted-storage"))
                .body("replica_count", equalTo(3))
                .body("access_mode", equalTo("ReadWriteOnce"))
                .body("encrypted", equalTo(true))
                .body("state", equalTo("degraded"))
                .body("state_reason", containsString("wants 3 replicas"))
                .body("state_reason", containsString("2 replicas are unplaced"))
                .body("allocated_bytes", equalTo(0))
                .body("snapshot_count", equalTo(0))
                .body("replicas", hasSize(1))
                .body("replicas[0].primary", equalTo(true))
                .body("mounts", hasSize(0));
        String id = r.path("id");
        String name = r.path("name");
        assertTrue(name.endsWith(id.substring(0, 8)), "the generated name comes from the id: " + name);
        assertTrue(r.header("Location").endsWith("/api/v1/volumes/" + id), r.header("Location"));
        Instant created = Instant.parse(r.path("created_at"));
        assertTrue(Duration.between(created, Instant.now()).abs().toMinutes() < 5, "created_at is now: " + created);
        assertEquals(before + 1, volumeCount());

        // the Location header points at the volume
        given().get(r.header("Location")).then().statusCode(200).body("id", equalTo(id));
        deleteVolume(id);
        assertEquals(before, volumeCount());
    }

    @Test
    void nameIsGeneratedWhenBlank() {
        String id = createVolume(Map.of("name", "", "storage_class", "fast-local-ssd"));
        given().get(VOLUMES + "/" + id).then().statusCode(200).body("name", matchesPattern("vol-[0-9a-f]{8}"));
        deleteVolume(id);
    }

    @Test
    void fastLocalSsdVolumeIsHealthy() {
        String name = unique("ssd");
        Response r = postVolume(Map.of("name", name, "storage_class", "fast-local-ssd", "size", "64M"));
        r.then().statusCode(201)
                .body("name", equalTo(name))
                .body("storage_class", equalTo("fast-local-ssd"))
                .body("size_bytes", equalTo(64 << 20))
                .body("replica_count", equalTo(1))
                .body("encrypted", equalTo(false))
                .body("state", equalTo("healthy"))
                .body("state_reason", nullValue());
        deleteVolume(name);
    }

    @Test
    void createWithEveryField() {
        String name = unique("full");
        Response r = postVolume(Map.of("name", name, "volume_type", "ephemeral", "size", "10GiB",
                "storage_class", "encrypted-storage", "replicas", 1, "access_mode", "RWX"));
        r.then().statusCode(201)
                .body("volume_type", equalTo("ephemeral"))
                .body("size_bytes", equalTo(10L << 30))
                .body("replica_count", equalTo(1))
                .body("access_mode", equalTo("ReadWriteMany"))
                .body("encrypted", equalTo(true))
                .body("state", equalTo("healthy"));
        deleteVolume(name);

        String shared = unique("shared");
        postVolume(Map.of("name", shared, "volume_type", "SHARED", "size", "4096", "storage_class", "fast-local-ssd",
                "access_mode", "ReadOnlyMany")).then().statusCode(201)
                .body("volume_type", equalTo("shared"))
                .body("size_bytes", equalTo(4096))
                .body("access_mode", equalTo("ReadOnlyMany"));
        deleteVolume(shared);
    }

    @Test
    void replicasAboveTheClassDefaultAreDegraded() {
        String name = unique("five");
        postVolume(Map.of("name", name, "storage_class", "fast-local-ssd", "replicas", 2)).then().statusCode(201)
                .body("replica_count", equalTo(2))
                .body("state", equalTo("degraded"))
                .body("state_reason", equalTo("wants 2 replicas but 1 is placed: 1 replica is unplaced"
                        + " (not enough eligible nodes)"));
        deleteVolume(name);
    }

    @Test
    void listShowsCreatedVolumesSortedByName() {
        String b = unique("list-b");
        String a = "t-list-a-" + b.substring(b.length() - 8);
        createVolume(Map.of("name", b, "storage_class", "fast-local-ssd"));
        createVolume(Map.of("name", a, "storage_class", "fast-local-ssd"));
        Response r = given().accept(ContentType.JSON).get(VOLUMES);
        r.then().statusCode(200).contentType(ContentType.JSON).body("name", hasItems(a, b));
        List<String> names = r.jsonPath().getList("name", String.class);
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(sorted, names, "the list is sorted by name");
        assertTrue(names.indexOf(a) < names.indexOf(b));
        deleteVolume(a);
        deleteVolume(b);
    }

    @Test
    void getByNameAndByUuid() {
        String name = unique("get");
        String id = createVolume(Map.of("name", name, "storage_class", "fast-local-ssd", "size", "1M"));
        given().get(VOLUMES + "/" + name).then().statusCode(200)
                .body("id", equalTo(id)).body("name", equalTo(name)).body("size_bytes", equalTo(1 << 20));
        given().get(VOLUMES + "/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("name", equalTo(name));
        given().get(VOLUMES + "/" + id.toUpperCase()).then().statusCode(200).body("id", equalTo(id));
        deleteVolume(id);
    }

    @Test
    void unknownVolumeIsNotFound() {
        String detail = assertProblem(given().get(VOLUMES + "/" + unique("missing")), 404);
        assertTrue(detail.contains("not found"), detail);
        assertProblem(given().get(VOLUMES + "/123e4567-e89b-12d3-a456-426614174000"), 404);
        assertProblem(given().delete(VOLUMES + "/" + unique("missing")), 404);
    }

    @Test
    void deleteThenNotFound() {
        String name = unique("del");
        String id = createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        int before = volumeCount();
        given().delete(VOLUMES + "/" + name).then().statusCode(204).body(equalTo(""));
        assertEquals(before - 1, volumeCount());
        assertProblem(given().get(VOLUMES + "/" + name), 404);
        assertProblem(given().get(VOLUMES + "/" + id), 404);
        assertProblem(given().delete(VOLUMES + "/" + name), 404);
        assertProblem(given().delete(VOLUMES + "/" + id), 404);
    }

    @Test
    void deleteByUuidWithForce() {
        String id = createVolume(Map.of("name", unique("force"), "storage_class", "fast-local-ssd"));
        given().queryParam("force", true).delete(VOLUMES + "/" + id).then().statusCode(204);
        assertProblem(given().get(VOLUMES + "/" + id), 404);
    }

    @Test
    void nameCanBeReusedAfterDelete() {
        String name = unique("reuse");
        String first = createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        deleteVolume(name);
        String second = createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        assertTrue(!first.equals(second), "a new volume gets a new id");
        deleteVolume(second);
    }

    private String raftLog() throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.walk(Path.of(storagePath).resolve("raft"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                all.append(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    @Test
    void volumesArePersistedInTheStorageDirectory() throws IOException {
        String name = unique("persist");
        String id = createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        // metadata changes are entries of the Raft log under <storage>/raft, fsynced before they are acknowledged
        assertTrue(raftLog().contains(id) && raftLog().contains(name), "the Raft log holds the new volume");
        deleteVolume(id);
        assertTrue(raftLog().contains("\"delete_volume\""), "and the delete");
        assertTrue(Files.exists(Path.of(storagePath).resolve("node.id")));
        assertTrue(Files.exists(Path.of(storagePath).resolve("node.lock")));
    }
}
