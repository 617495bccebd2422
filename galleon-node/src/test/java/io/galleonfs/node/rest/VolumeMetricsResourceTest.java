package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Per-volume metrics of I/O through REST: the Prometheus series, the JSON snapshot, the SSE stream and the top list. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeMetricsResourceTest {

    @TestHTTPResource("/")
    URI base;

    private static void write(String vol, long offset, int length) {
        given().contentType(ContentType.BINARY).body(new byte[length]).queryParam("offset", offset)
                .put(VOLUMES + "/" + vol + "/data").then().statusCode(200);
    }

    private static String series(String name, String vol, String op) {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines().filter(l -> l.startsWith(name + "{") && l.contains("volume=\"" + vol + "\"")
                && (op == null || l.contains("op=\"" + op + "\""))).findFirst().orElse("");
    }

    @Test
    void restIoShowsInPrometheusAndTheSnapshot() {
        String vol = unique("t-metrics");
        String id = createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        write(vol, 0, 8192);
        write(vol, 8192, 4096);
        write(vol, 16384, 4096);
        given().queryParam("offset", 0).queryParam("length", 4096).get(VOLUMES + "/" + vol + "/data").then().statusCode(200);
        given().post(VOLUMES + "/" + vol + "/flush").then().statusCode(204);
        // Beyond the end: refused before any I/O, so it is not an operation.
        given().contentType(ContentType.BINARY).body(new byte[10]).queryParam("offset", 4L << 20)
                .put(VOLUMES + "/" + vol + "/data").then().statusCode(400);

        String writes = series("galleon_volume_io_operations_total", vol, "write");
        assertTrue(writes.contains("namespace=\"default\""), writes);
        // The id is on the volume's info series only (one line per volume, not on every series).
        assertTrue(series("galleon_volume_info", vol, null).contains("volume_id=\"" + id + "\""));
        assertTrue(writes.endsWith(" 3.0"), writes);
        assertTrue(series("galleon_volume_io_bytes_total", vol, "write").endsWith(" 16384.0"));
        assertTrue(series("galleon_volume_io_operations_total", vol, "read").endsWith(" 1.0"));
        assertTrue(series("galleon_volume_io_bytes_total", vol, "read").endsWith(" 4096.0"));
        assertTrue(series("galleon_volume_io_operations_total", vol, "flush").endsWith(" 1.0"));
        assertTrue(series("galleon_volume_io_latency_seconds_count", vol, "write").endsWith(" 3.0"));
        assertFalse(series("galleon_volume_io_latency_seconds_bucket", vol, "write").isEmpty());
        assertTrue(series("galleon_volume_io_inflight", vol, null).endsWith(" 0.0"));

        given().get(VOLUMES + "/" + vol + "/metrics").then().statusCode(200)
                .body("volume", equalTo(vol)).body("volume_id", equalTo(id)).body("namespace", equalTo("default"))
                .body("totals.writes", equalTo(3)).body("totals.write_bytes", equalTo(16384))
                .body("totals.reads", equalTo(1)).body("totals.flushes", equalTo(1)).body("inflight", equalTo(0));
        // The ten-second window covers the writes once the node has sampled twice (once a second).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(VOLUMES + "/" + id + "/metrics").then()
                .body("last_10s.seconds", greaterThan(0f)).body("last_10s.write_iops", greaterThan(0f))
                .body("last_10s.write_latency.p99_ms", greaterThan(0f)));
        given().queryParam("sort", "iops").queryParam("limit", 1000).get("/api/v1/metrics/volumes").then().statusCode(200)
                .body("volume", org.hamcrest.Matchers.hasItem(vol));

        deleteVolume(vol);
        assertEquals("", series("galleon_volume_io_operations_total", vol, "write"), "series removed with the volume");
        assertEquals("", series("galleon_volume_info", vol, null), "series removed with the volume");
    }

    @Test
    void theStreamDeliversASnapshotEverySecond() throws Exception {
        String vol = unique("t-metrics-sse");
        createVolume(Map.of("name", vol, "size", "1M", "storage_class", "fast-local-ssd", "replicas", 1));
        write(vol, 0, 4096);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(base.resolve("api/v1/volumes/" + vol + "/metrics/stream"))
                .header("Accept", "text/event-stream").header("Authorization", TestTokens.bearerAdmin())
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, resp.statusCode());
        List<String> events;
        try (Stream<String> lines = resp.body()) {
            events = lines.filter(l -> l.startsWith("data:")).limit(2).toList();
        }
        assertEquals(2, events.size());
        ObjectMapper json = new ObjectMapper();
        for (String e : events) {
            JsonNode n = json.readTree(e.substring("data:".length()));
            assertEquals(vol, n.get("volume").asText());
            assertEquals(1, n.get("totals").get("writes").asInt());
        }
        // The same volume summed over the cluster's nodes (one here), assembled like /api/v1/metrics/cluster.
        HttpRequest clusterReq = HttpRequest.newBuilder(base.resolve("api/v1/volumes/" + vol + "/metrics/stream?cluster=true"))
                .header("Accept", "text/event-stream").header("Authorization", TestTokens.bearerAdmin())
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<Stream<String>> clusterResp = http.send(clusterReq, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, clusterResp.statusCode());
        try (Stream<String> lines = clusterResp.body()) {
            events = lines.filter(l -> l.startsWith("data:")).limit(2).toList();
        }
        assertEquals(2, events.size());
        for (String e : events) {
            JsonNode n = json.readTree(e.substring("data:".length()));
            assertEquals(vol, n.get("volume").asText(), e);
            assertEquals(1, n.get("totals").get("writes").asInt(), e);
        }
        deleteVolume(vol);
    }

    /** The cluster view of a one-node cluster: the node answered, the volume's I/O is there, as a snapshot and a stream. */
    @Test
    void theClusterViewListsTheNodeAndTheVolumeAndStreams() throws Exception {
        String vol = unique("t-metrics-cluster");
        createVolume(Map.of("name", vol, "size", "1M", "storage_class", "fast-local-ssd", "replicas", 1));
        write(vol, 0, 4096);
        var snapshot = given().get("/api/v1/metrics/cluster").then().statusCode(200)
                .body("nodes.size()", equalTo(1)).body("nodes[0].state", equalTo("ok"))
                .body("volumes.volume", org.hamcrest.Matchers.hasItem(vol)).extract().jsonPath();
        assertEquals(snapshot.getString("answered_by"), snapshot.getString("nodes[0].node"));
        // The write shows in the volume's last second once the node sampled it, and in the node's sum of that second.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            write(vol, 0, 4096);
            var c = given().get("/api/v1/metrics/cluster").then().statusCode(200).extract().jsonPath();
            assertTrue(c.getDouble("nodes[0].write_iops") > 0, c.prettify());
        });

        HttpRequest req = HttpRequest.newBuilder(base.resolve("api/v1/metrics/cluster/stream"))
                .header("Accept", "text/event-stream").header("Authorization", TestTokens.bearerAdmin())
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<Stream<String>> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, resp.statusCode());
        List<String> events;
        try (Stream<String> lines = resp.body()) {
            events = lines.filter(l -> l.startsWith("data:")).limit(2).toList();
        }
        ObjectMapper json = new ObjectMapper();
        for (String e : events) {
            JsonNode n = json.readTree(e.substring("data:".length()));
            assertEquals("ok", n.get("nodes").get(0).get("state").asText(), e);
            assertTrue(n.get("volumes").findValuesAsText("volume").contains(vol), e);
        }
        assertEquals(2, events.size());
        deleteVolume(vol);
    }

    @Test
    void badQueriesAreRefused() {
        given().queryParam("sort", "bogus").get("/api/v1/metrics/volumes").then().statusCode(400);
        given().queryParam("limit", 0).get("/api/v1/metrics/volumes").then().statusCode(400);
        given().get(VOLUMES + "/no-such-volume/metrics").then().statusCode(404);
    }
}
