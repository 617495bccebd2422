package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Block data, snapshots, clones, expansion and verification through the REST API, on the real engine. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeDataResourceTest {

    @ConfigProperty(name = "galleon.storage_path")
    String storagePath;

    private static String newVolume(String prefix, String size, String storageClass) {
        String name = unique(prefix);
        createVolume(Map.of("name", name, "size", size, "storage_class", storageClass, "replicas", 1));
        return name;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(String vol, long offset, byte[] data, String concern) {
        var req = given().contentType(ContentType.BINARY).body(data).queryParam("offset", offset);
        if (concern != null) {
            req = req.queryParam("write_concern", concern);
        }
        req.put(VOLUMES + "/" + vol + "/data").then().statusCode(200)
                .body("bytes_written", equalTo(data.length)).body("offset", equalTo((int) offset));
    }

    private static byte[] read(String vol, long offset, long length) {
        return given().queryParam("offset", offset).queryParam("length", length).get(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200).contentType("application/octet-stream").extract().asByteArray();
    }

    @Test
    void unalignedWritesReadBackAndUnwrittenBytesAreZero() {
        String vol = newVolume("data", "4M", "fast-local-ssd");
        byte[] data = random(10_000, 1);
        write(vol, 1000, data, "durable");
        assertArrayEquals(data, read(vol, 1000, data.length));
        byte[] around = read(vol, 0, 12_000);
        assertArrayEquals(new byte[1000], Arrays.copyOfRange(around, 0, 1000));
        assertArrayEquals(data, Arrays.copyOfRange(around, 1000, 11_000));
        assertArrayEquals(new byte[1000], Arrays.copyOfRange(around, 11_000, 12_000));
        given().get(VOLUMES + "/" + vol).then().body("allocated_bytes", greaterThan(0));
    }

    @Test
    void wholeVolumeReadStreams() {
        String vol = newVolume("stream", "16M", "fast-local-ssd");
        byte[] tail = random(4096, 2);
        write(vol, (16 << 20) - 4096, tail, null);
        byte[] all = given().get(VOLUMES + "/" + vol + "/data").then().statusCode(200).extract().asByteArray();
        assertTrue(all.length == 16 << 20);
        assertArrayEquals(tail, Arrays.copyOfRange(all, all.length - 4096, all.length));
    }

    @Test
    void rangesLargerThanOnePieceComeBackWholeAcrossPieceBoundaries() {
        String vol = newVolume("pieces", "8M", "fast-local-ssd");
        byte[] data = random(3 << 20, 5);
        write(vol, 1234, data, "durable");
        // 3 MiB from an unaligned offset: twelve pieces and a partial block at each end
        assertArrayEquals(data, read(vol, 1234, data.length));
        byte[] around = given().queryParam("offset", 1000).queryParam("length", data.length + 500)
                .get(VOLUMES + "/" + vol + "/data").then().statusCode(200)
                .header("Content-Length", String.valueOf(data.length + 500)).extract().asByteArray();
        assertArrayEquals(new byte[234], Arrays.copyOfRange(around, 0, 234));
        assertArrayEquals(data, Arrays.copyOfRange(around, 234, 234 + data.length));
        assertArrayEquals(new byte[266], Arrays.copyOfRange(around, 234 + data.length, around.length));
        // exactly one piece, and one byte more
        assertArrayEquals(Arrays.copyOfRange(data, 0, 256 << 10), read(vol, 1234, 256 << 10));
        assertArrayEquals(Arrays.copyOfRange(data, 0, (256 << 10) + 1), read(vol, 1234, (256 << 10) + 1));
    }

    @Test
    void writeConcernsFollowReplicaCount() {
        String single = newVolume("wc", "1M", "fast-local-ssd");
        write(single, 0, random(4096, 3), "acknowledged");
        write(single, 0, random(4096, 3), "replicated");
        write(single, 0, random(4096, 3), "distributed");
        String triple = unique("wc3");
        createVolume(Map.of("name", triple, "size", "1M", "storage_class", "fast-local-ssd", "replicas", 3));
        String detail = assertProblemAllowing5xx(given().contentType(ContentType.BINARY).body(random(10, 4))
                .queryParam("write_concern", "replicated").put(VOLUMES + "/" + triple + "/data"), 503);
        assertTrue(detail.contains("replica"), detail);
        assertProblem(given().contentType(ContentType.BINARY).body(random(10, 4)).queryParam("write_concern", "sometimes")
                .put(VOLUMES + "/" + single + "/data"), 400);
    }

    @Test
    void badRangesAndBodiesAreRejected() {
        String vol = newVolume("range", "1M", "fast-local-ssd");
        assertProblem(given().contentType(ContentType.BINARY).body(random(10, 5)).queryParam("offset", (1 << 20) - 5)
                .put(VOLUMES + "/" + vol + "/data"), 400);
        assertProblem(given().contentType(ContentType.BINARY).body(random(10, 5)).queryParam("offset", -1)
                .put(VOLUMES + "/" + vol + "/data"), 400);
        assertProblem(given().contentType(ContentType.BINARY).body(new byte[0]).put(VOLUMES + "/" + vol + "/data"), 400);
        assertProblem(given().queryParam("offset", 1 << 20).queryParam("length", 1).get(VOLUMES + "/" + vol + "/data"), 400);
        assertProblem(given().contentType(ContentType.BINARY).body(random(10, 5)).put(VOLUMES + "/no-such-vol/data"), 404);
    }

    @Test
    void snapshotsRestoreAndClone() {
        String vol = newVolume("snap", "2M", "fast-local-ssd");
        byte[] v1 = random(8192, 10);
        byte[] v2 = random(8192, 11);
        write(vol, 4096, v1, "durable");
        given().contentType(ContentType.JSON).body(Map.of("name", "before")).post(VOLUMES + "/" + vol + "/snapshots")
                .then().statusCode(201).body("name", equalTo("before"));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", "before")).post(VOLUMES + "/" + vol + "/snapshots"), 409);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", "Bad Name")).post(VOLUMES + "/" + vol + "/snapshots"), 400);
        write(vol, 4096, v2, "durable");
        assertArrayEquals(v2, read(vol, 4096, 8192));
        given().get(VOLUMES + "/" + vol + "/snapshots").then().statusCode(200).body("name", hasItem("before"));
        given().get(VOLUMES + "/" + vol).then().body("snapshot_count", equalTo(1));

        String clone = unique("clone");
        given().contentType(ContentType.JSON).body(Map.of("name", clone, "snapshot", "before"))
                .post(VOLUMES + "/" + vol + "/clone").then().statusCode(201).body("name", equalTo(clone));
        assertArrayEquals(v1, read(clone, 4096, 8192));
        write(clone, 4096, random(8192, 12), null);
        assertArrayEquals(v2, read(vol, 4096, 8192), "writes to a clone never reach its source");

        given().contentType(ContentType.JSON).body(Map.of("snapshot", "before")).post(VOLUMES + "/" + vol + "/restore")
                .then().statusCode(200);
        assertArrayEquals(v1, read(vol, 4096, 8192));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("snapshot", "nope")).post(VOLUMES + "/" + vol + "/restore"), 404);

        given().delete(VOLUMES + "/" + vol + "/snapshots/before").then().statusCode(204);
        given().get(VOLUMES + "/" + vol + "/snapshots").then().body("$", hasSize(0));
        assertArrayEquals(v1, read(vol, 4096, 8192), "deleting a snapshot never changes the live volume");
        assertProblem(given().delete(VOLUMES + "/" + vol + "/snapshots/before"), 404);
    }

    @Test
    void trimFreesBlocksAndReadsZeros() {
        String vol = newVolume("trim", "4M", "fast-local-ssd");
        write(vol, 0, random(1 << 20, 40), "durable");
        int before = given().get(VOLUMES + "/" + vol).then().extract().path("allocated_bytes");
        given().contentType(ContentType.JSON).body(Map.of("offset", "256K", "length", "512K")).post(VOLUMES + "/" + vol + "/trim")
                .then().statusCode(200);
        int after = given().get(VOLUMES + "/" + vol).then().extract().path("allocated_bytes");
        assertTrue(after <= before - (512 << 10), before + " -> " + after);
        assertArrayEquals(new byte[512 << 10], read(vol, 256 << 10, 512 << 10));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("offset", "4M", "length", "1K"))
                .post(VOLUMES + "/" + vol + "/trim"), 400);
    }

    @Test
    void expandGrowsOnlineAndRefusesShrinking() {
        String vol = newVolume("grow", "1M", "fast-local-ssd");
        byte[] data = random(4096, 20);
        write(vol, 0, data, null);
        given().contentType(ContentType.JSON).body(Map.of("size", "2M")).post(VOLUMES + "/" + vol + "/expand")
                .then().statusCode(200).body("size_bytes", equalTo(2 << 20));
        write(vol, (2 << 20) - 4096, data, null);
        assertArrayEquals(data, read(vol, 0, 4096));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("size", "1M")).post(VOLUMES + "/" + vol + "/expand"), 400);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("size", "3000001")).post(VOLUMES + "/" + vol + "/expand"), 400);
    }

    @Test
    void verifyAndBenchRunOnTheEngine() {
        String vol = newVolume("verify", "4M", "fast-local-ssd");
        write(vol, 0, random(65536, 30), "durable");
        given().post(VOLUMES + "/" + vol + "/verify").then().statusCode(200)
                .body("healthy", equalTo(true)).body("blocks_checked", greaterThan(15));
        given().contentType(ContentType.JSON).body(Map.of("io_type", "write", "io_size", "4K", "io_threads", 4,
                "io_total", "1M", "io_pattern", "rand")).post(VOLUMES + "/" + vol + "/bench")
                .then().statusCode(200).body("ops", equalTo(256)).body("iops", greaterThan(0f));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("io_type", "erase"))
                .post(VOLUMES + "/" + vol + "/bench"), 400);
    }

    @Test
    void encryptedVolumesKeepNoPlaintextOnDisk() throws IOException {
        String vol = newVolume("secret", "1M", "encrypted-storage");
        given().get(VOLUMES + "/" + vol).then().body("encrypted", equalTo(true));
        byte[] marker = "GALLEON-API-PLAINTEXT-MARKER-0123456789".repeat(100).getBytes(StandardCharsets.US_ASCII);
        write(vol, 0, marker, "durable");
        given().post(VOLUMES + "/" + vol + "/flush").then().statusCode(204);
        assertArrayEquals(marker, read(vol, 0, marker.length));
        byte[] needle = "GALLEON-API-PLAINTEXT-MARKER".getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(Path.of(storagePath))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(contains(Files.readAllBytes(f), needle), "plaintext found in " + f);
            }
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String assertProblemAllowing5xx(io.restassured.response.Response r, int status) {
        r.then().statusCode(status).contentType(org.hamcrest.Matchers.startsWith("application/problem+json"));
        return r.path("detail");
    }
}
