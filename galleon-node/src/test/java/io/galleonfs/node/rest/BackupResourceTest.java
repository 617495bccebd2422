package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(TempStorageResource.class)
class BackupResourceTest {
    private static final String TARGETS = "/api/v1/backup-targets";
    private static final String BACKUPS = "/api/v1/backups";
    private static final String JOBS = "/api/v1/jobs";
    private static final String PASSPHRASE = "correct horse battery staple";

    private Path repoDir;

    @BeforeEach
    void repo() throws IOException {
        repoDir = Files.createTempDirectory("galleon-backup-test-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(repoDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private String newTarget() {
        String name = unique("tgt");
        given().contentType(ContentType.JSON).body(Map.of("name", name, "url", repoDir.toUri().toString(), "passphrase", PASSPHRASE))
                .post(TARGETS).then().statusCode(201).body("name", equalTo(name)).body("repository_id", not(equalTo(null)));
        return name;
    }

    private static String newVolume(String size) {
        String name = unique("bvol");
        createVolume(Map.of("name", name, "size", size, "storage_class", "fast-local-ssd", "replicas", 1));
        return name;
    }

    private static void write(String vol, long offset, byte[] data) {
        given().contentType(ContentType.BINARY).body(data).queryParam("offset", offset).put(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200);
    }

    private static byte[] read(String vol, long length) {
        return given().queryParam("offset", 0).queryParam("length", length).get(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200).extract().asByteArray();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Response backup(String vol, String target, String strategy) {
        Map<String, Object> body = new HashMap<>(Map.of("volume", vol, "target", target, "strategy", strategy));
        return given().contentType(ContentType.JSON).body(body).queryParam("wait", true).post(BACKUPS);
    }

    @Test
    void fullThenIncrementalBackupRestoreToNewVolumesByteForByte() {
        String target = newTarget();
        String vol = newVolume("8M");
        byte[] first = random(3 << 20, 1);
        write(vol, 0, first);
        Response full = backup(vol, target, "full");
        full.then().statusCode(200).body("state", equalTo("succeeded")).body("kind", equalTo("backup"));
        String fullId = full.path("backup_id");
        byte[] v1 = read(vol, 8 << 20);

        write(vol, 1 << 20, random(8192, 2));
        Response incr = backup(vol, target, "incremental");
        incr.then().statusCode(200).body("state", equalTo("succeeded"));
        String incrId = incr.path("backup_id");
        byte[] v2 = read(vol, 8 << 20);

        given().get(BACKUPS + "/" + incrId).then().statusCode(200).body("strategy", equalTo("incremental"))
                .body("parent_id", equalTo(fullId)).body("status", equalTo("completed"))
                .body("bytes_read", equalTo(8192));
        given().queryParam("volume", vol).get(BACKUPS).then().statusCode(200).body("id", hasItem(fullId)).body("id", hasItem(incrId));

        String r1 = unique("r1");
        given().contentType(ContentType.JSON).body(Map.of("to_volume", r1)).queryParam("wait", true).post(BACKUPS + "/" + fullId + "/restore")
                .then().statusCode(200).body("state", equalTo("succeeded"));
        String r2 = unique("r2");
        given().contentType(ContentType.JSON).body(Map.of("to_volume", r2, "storage_class", "encrypted-storage"))
                .queryParam("wait", true).post(BACKUPS + "/" + incrId + "/restore").then().statusCode(200).body("state", equalTo("succeeded"));
        assertArrayEquals(v1, read(r1, 8 << 20));
        assertArrayEquals(v2, read(r2, 8 << 20));

        // Only the snapshot of the last backup (also the base of the next differential: the full one's) is kept.
        List<String> snapshots = given().get(VOLUMES + "/" + vol + "/snapshots").then().statusCode(200).extract().path("name");
        assertEquals(List.of("backup-" + fullId, "backup-" + incrId), snapshots.stream().filter(s -> s.startsWith("backup-")).sorted(
                Comparator.comparing(s -> s.equals("backup-" + fullId) ? 0 : 1)).toList());

        given().queryParam("wait", true).post(BACKUPS + "/" + incrId + "/verify")
                .then().statusCode(200).body("state", equalTo("succeeded")).body("message", containsString("all good"));
    }

    private static double backgroundBytes(String work) {
        String line = given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith("galleon_qos_background_bytes_total{") && l.contains("work=\"" + work + "\""))
                .findFirst().orElseThrow(() -> new AssertionError("no galleon_qos_background_bytes_total for " + work));
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** A restore's writes are background work: counted in the node's background class, not as the volume's client I/O. */
    @Test
    void aRestoreIsChargedToTheBackgroundClassNotToClientIo() {
        String target = newTarget();
        String vol = newVolume("4M");
        write(vol, 0, random(2 << 20, 7));
        Response full = backup(vol, target, "full");
        full.then().statusCode(200).body("state", equalTo("succeeded"));
        double before = backgroundBytes("restore");

        String restored = unique("rb");
        given().contentType(ContentType.JSON).body(Map.of("to_volume", restored)).queryParam("wait", true)
                .post(BACKUPS + "/" + full.path("backup_id") + "/restore").then().statusCode(200).body("state", equalTo("succeeded"));

        // The 2 MiB of data were written through the background class (zero ranges of a new volume are skipped, except
        // inside a chunk that also holds data).
        double restoredBytes = backgroundBytes("restore") - before;
        assertTrue(restoredBytes >= 2 << 20 && restoredBytes <= 4 << 20, "restore bytes in the background class: " + restoredBytes);
        // ... and none of it as the restored volume's client I/O (no meter yet: no client I/O on it at all).
        given().get(VOLUMES + "/" + restored + "/metrics").then().statusCode(200)
                .body("totals.writes", equalTo(0)).body("totals.write_bytes", equalTo(0));
    }

    @Test
    void jobsAreListedAndStreamedAsServerSentEvents() {
        String target = newTarget();
        String vol = newVolume("1M");
        write(vol, 0, random(4096, 3));
        String jobId = backup(vol, target, "full").then().statusCode(200).extract().path("id");
        given().get(JOBS).then().statusCode(200).body("id", hasItem(jobId));
        given().get(JOBS + "/" + jobId).then().statusCode(200).body("state", equalTo("succeeded")).body("bytes_total", not(equalTo(null)));
        String events = given().accept("text/event-stream").get(JOBS + "/" + jobId + "/events").then().statusCode(200).extract().asString();
        assertTrue(events.contains("\"state\":\"succeeded\""), events);
        assertProblem(given().post(JOBS + "/" + jobId + "/cancel"), 409);
        assertProblem(given().get(JOBS + "/00000000-0000-4000-8000-000000000000"), 404);
    }

    @Test
    void badInputIsAProblemAndChangesNothing() {
        String target = newTarget();
        String vol = newVolume("1M");
        int targets = given().get(TARGETS).then().statusCode(200).extract().path("size()");
        int backups = given().get(BACKUPS).then().statusCode(200).extract().path("size()");

        assertProblem(backup(vol, "t-no-such-target", "full"), 404);
        assertProblem(backup("t-no-such-volume", target, "full"), 404);
        assertProblem(backup(vol, target, "weekly"), 400);
        String bad = assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("name", unique("bad"), "url", "ftp://example.com/x", "passphrase", PASSPHRASE)).post(TARGETS), 400);
        assertTrue(bad.contains("ftp://"), bad);
        assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("name", unique("bad"), "url", "file:relative/path", "passphrase", PASSPHRASE)).post(TARGETS), 400);
        assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("name", unique("nopass"), "url", repoDir.toUri().toString())).post(TARGETS), 400);
        String wrong = assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("name", unique("wrong"), "url", repoDir.toUri().toString(), "passphrase", "not the passphrase")).post(TARGETS), 400);
        assertTrue(wrong.toLowerCase().contains("passphrase"), wrong);
        assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("name", target, "url", repoDir.toUri().toString(), "passphrase", PASSPHRASE)).post(TARGETS), 409);
        assertProblem(given().get(BACKUPS + "/00000000-0000-4000-8000-000000000000"), 404);
        assertProblem(given().get(TARGETS + "/t-nothing-here"), 404);

        assertEquals(targets, (int) given().get(TARGETS).then().statusCode(200).extract().path("size()"));
        assertEquals(backups, (int) given().get(BACKUPS).then().statusCode(200).extract().path("size()"));
    }

    @Test
    void restoreTooSmallOrMountedAndTargetInUseAreConflicts() {
        String target = newTarget();
        String vol = newVolume("2M");
        write(vol, 0, random(4096, 4));
        String id = backup(vol, target, "full").then().statusCode(200).body("state", equalTo("succeeded")).extract().path("backup_id");
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("to_volume", unique("small"), "size", "1M"))
                .post(BACKUPS + "/" + id + "/restore"), 409);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of()).post(BACKUPS + "/" + id + "/restore"), 400);
        assertProblem(given().delete(TARGETS + "/" + target), 409);
        given().get(TARGETS + "/" + target).then().statusCode(200).body("backups", equalTo(1))
                .body("$", not(org.hamcrest.Matchers.hasKey("secret_access_key"))).body("$", not(org.hamcrest.Matchers.hasKey("cluster_key")));

        // In place, not mounted: the volume returns to the backed-up content.
        byte[] before = read(vol, 2 << 20);
        write(vol, 0, random(8192, 5));
        given().contentType(ContentType.JSON).body(Map.of("in_place", true)).queryParam("wait", true).post(BACKUPS + "/" + id + "/restore")
                .then().statusCode(200).body("state", equalTo("succeeded"));
        assertArrayEquals(before, read(vol, 2 << 20));

        given().delete(BACKUPS + "/" + id).then().statusCode(204);
        given().queryParam("wait", true).post(TARGETS + "/" + target + "/prune").then().statusCode(200).body("state", equalTo("succeeded"));
        given().delete(TARGETS + "/" + target).then().statusCode(204);
    }

    @Test
    void viewersCannotStartBackupsNorSeeTargetsCreated() {
        String viewer = given().contentType(ContentType.JSON).body(Map.of("name", unique("viewer"), "role", "viewer"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON)
                .body(Map.of("volume", "x", "target", "y")).post(BACKUPS).then().statusCode(403);
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "url", "file:///tmp/x", "passphrase", PASSPHRASE)).post(TARGETS).then().statusCode(403);
        given().header("Authorization", "Bearer " + viewer).get(JOBS).then().statusCode(200);
    }

    @Test
    void differentialReadsSinceTheLastFullAndACopyRestoresFromTheOtherTarget() throws IOException {
        String target = newTarget();
        String vol = newVolume("4M");
        write(vol, 0, random(1 << 20, 6));
        String fullId = backup(vol, target, "full").then().statusCode(200).body("state", equalTo("succeeded")).extract().path("backup_id");
        write(vol, 0, random(4096, 7));
        backup(vol, target, "incremental").then().statusCode(200).body("state", equalTo("succeeded"));
        write(vol, 8192, random(4096, 8));
        String diffId = backup(vol, target, "differential").then().statusCode(200).body("state", equalTo("succeeded"))
                .extract().path("backup_id");
        given().get(BACKUPS + "/" + diffId).then().statusCode(200).body("strategy", equalTo("differential"))
                .body("parent_id", equalTo(fullId)).body("bytes_read", equalTo(2 * 4096));
        byte[] now = read(vol, 4 << 20);

        Path other = Files.createTempDirectory("galleon-backup-copy-");
        try {
            String second = unique("tgt2");
            given().contentType(ContentType.JSON).body(Map.of("name", second, "url", other.toUri().toString(), "passphrase", PASSPHRASE))
                    .post(TARGETS).then().statusCode(201);
            given().contentType(ContentType.JSON).body(Map.of("to_target", second)).queryParam("wait", true).post(BACKUPS + "/" + diffId + "/copy")
                    .then().statusCode(200).body("state", equalTo("succeeded"));
            List<String> copies = given().get(BACKUPS).then().statusCode(200).extract().jsonPath()
                    .getList("findAll { it.target == '" + second + "' }.id");
            assertEquals(1, copies.size());
            String restored = unique("rc");
            given().contentType(ContentType.JSON).body(Map.of("to_volume", restored)).queryParam("wait", true)
                    .post(BACKUPS + "/" + copies.getFirst() + "/restore").then().statusCode(200).body("state", equalTo("succeeded"));
            assertArrayEquals(now, read(restored, 4 << 20));
            given().queryParam("force", true).delete(TARGETS + "/" + second).then().statusCode(204);
        } finally {
            try (Stream<Path> files = Files.walk(other)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void aCancelledBackupEndsCancelledAndLeavesNoSnapshot() {
        String target = newTarget();
        String vol = newVolume("64M");
        for (int i = 0; i < 8; i++) {
            write(vol, (long) i << 23, random(8 << 20, 20 + i));
        }
        String jobId = given().contentType(ContentType.JSON).body(Map.of("volume", vol, "target", target, "strategy", "full"))
                .post(BACKUPS).then().statusCode(202).extract().path("id");
        given().post(JOBS + "/" + jobId + "/cancel").then().statusCode(anyOf(equalTo(200), equalTo(409)));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() ->
                List.of("cancelled", "succeeded").contains(given().get(JOBS + "/" + jobId).then().extract().<String>path("state")));
        String state = given().get(JOBS + "/" + jobId).then().extract().path("state");
        String backupId = given().get(JOBS + "/" + jobId).then().extract().path("backup_id");
        List<String> snapshots = given().get(VOLUMES + "/" + vol + "/snapshots").then().statusCode(200).extract().path("name");
        if (state.equals("cancelled")) {
            given().get(BACKUPS + "/" + backupId).then().statusCode(200).body("status", equalTo("failed")).body("error", equalTo("cancelled"));
            assertTrue(snapshots.isEmpty(), snapshots.toString());
        } else {
            // The backup finished before the cancel arrived (a fast machine): then it is complete and kept as the base.
            assertEquals(List.of("backup-" + backupId), snapshots);
        }
    }
}
