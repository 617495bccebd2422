package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.galleonfs.node.rest.Api.volumeCount;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Status and config of the daemon. Stop and restart are not called: they would end the test JVM. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class DaemonResourceTest {

    @ConfigProperty(name = "galleon.storage_path")
    String storagePath;

    private String expectedStoragePath() {
        return Path.of(storagePath).toAbsolutePath().normalize().toString();
    }

    @Test
    void status() throws Exception {
        Response r = given().accept(ContentType.JSON).get("/api/v1/daemon/status");
        r.then().statusCode(200).contentType(ContentType.JSON)
                .body("version", not(emptyOrNullString()))
                .body("node_id", matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))
                .body("uptime_seconds", greaterThanOrEqualTo(0))
                .body("volume_count", greaterThanOrEqualTo(0))
                .body("storage_path", equalTo(expectedStoragePath()))
                .body("ipc_address", equalTo(TempStorageResource.IPC_ADDRESS))
                .body("bind_address", equalTo(TempStorageResource.BIND_ADDRESS));
        // byte counts may exceed an int, so compare them as longs
        assertTrue(((Number) r.path("storage_used_bytes")).longValue() > 0, "the Raft log, node.id and node.lock use space");
        assertTrue(((Number) r.path("storage_free_bytes")).longValue() > 0);
        long capacity = ((Number) r.path("storage_capacity_bytes")).longValue();
        assertTrue(capacity > 0);
        long reserve = ((Number) r.path("storage_reserved_bytes")).longValue();
        assertTrue(reserve >= 64L << 20 && reserve <= 1L << 30, "auto reserve: 5 % of the file system, 64 MiB to 1 GiB: " + reserve);
        assertTrue(((Number) r.path("provisioned_bytes")).longValue() >= 0);
        assertTrue(((Number) r.path("overcommit_ratio")).doubleValue() >= 0);
        assertEquals(Boolean.FALSE, r.path("writes_refused"));
        assertEquals(ProcessHandle.current().pid(), ((Number) r.path("pid")).longValue(), "the node runs in the test JVM");
        Instant started = Instant.parse(r.path("started_at"));
        assertFalse(started.isAfter(Instant.now()));
        // the node id is the one persisted in the storage directory
        String persisted = Files.readString(Path.of(storagePath).resolve("node.id"), StandardCharsets.UTF_8).trim();
        assertEquals(persisted, r.path("node_id"));
    }

    @Test
    void statusCountsVolumes() {
        int before = given().get("/api/v1/daemon/status").then().extract().path("volume_count");
        assertEquals(volumeCount(), before);
        String name = unique("status");
        createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        given().get("/api/v1/daemon/status").then().body("volume_count", equalTo(before + 1));
        deleteVolume(name);
        given().get("/api/v1/daemon/status").then().body("volume_count", equalTo(before));
    }

    @Test
    void config() {
        given().accept(ContentType.JSON).get("/api/v1/daemon/config").then().statusCode(200).contentType(ContentType.JSON)
                .body("storage_path", equalTo(expectedStoragePath()))
                .body("block_size", equalTo(4096))
                .body("bind_address", equalTo(TempStorageResource.BIND_ADDRESS))
                .body("ipc_address", equalTo(TempStorageResource.IPC_ADDRESS))
                .body("peer_addresses", hasSize(0))
                .body("replication_strategy", equalTo("synchronous"))
                .body("persistence_level", equalTo("enhanced"))
                .body("mount_point", org.hamcrest.Matchers.endsWith("/mounts"))
                .body("config_file", nullValue())
                .body("zone", equalTo("default"))
                .body("labels", anEmptyMap())
                .body("min_replicas", equalTo(1))
                .body("max_replicas", equalTo(5))
                .body("journal_size_bytes", equalTo(256 << 20))
                .body("checkpoint_interval_seconds", equalTo(300))
                .body("health_check_interval_seconds", equalTo(30))
                .body("encryption_at_rest", equalTo(true))
                .body("nbd_address", equalTo(TempStorageResource.NBD_ADDRESS))
                .body("read_cache_mb", equalTo(32))
                .body("key_provider", equalTo("file"))
                .body("engine_format", equalTo("log"));
    }

    @Test
    void stopAndRestartRefuseGet() {
        // only the method is checked: a POST would end the test JVM
        Api.assertProblem(given().get("/api/v1/daemon/stop"), 405);
        Api.assertProblem(given().get("/api/v1/daemon/restart"), 405);
        assertTrue(given().get("/q/health/ready").statusCode() == 200, "the node is still running");
    }
}
