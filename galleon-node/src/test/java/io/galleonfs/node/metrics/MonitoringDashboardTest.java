package io.galleonfs.node.metrics;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.node.rest.TempStorageResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring: every metric the Grafana dashboard queries is one this node really exports (after a volume with a
 * QoS policy did I/O), and the Prometheus config scrapes the path the node serves.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class MonitoringDashboardTest {
    private static final Path MONITORING = Path.of("..", "deploy", "monitoring");
    private static final Pattern METRIC = Pattern.compile("\\bgalleon_[a-z_]+");

    private static Set<String> dashboardMetrics() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(MONITORING.resolve("grafana/galleonfs.json").toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dash.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    @Test
    void everyDashboardQueryUsesAnExportedMetric() throws Exception {
        Set<String> wanted = dashboardMetrics();
        assertTrue(wanted.size() >= 25, "the dashboard's metrics: " + wanted);
        String vol = "t-dash-" + System.nanoTime() % 100_000;
        given().contentType(ContentType.JSON).body(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1))
                .post("/api/v1/volumes").then().statusCode(201);
        given().contentType(ContentType.JSON).body(Map.of("limits", Map.of("iops", 100_000, "throughput_mbps", 1000),
                "guarantees", Map.of("iops", 10))).put("/api/v1/volumes/" + vol + "/qos").then().statusCode(200);
        given().contentType(ContentType.BINARY).body(new byte[4096]).queryParam("offset", 0).put("/api/v1/volumes/" + vol + "/data")
                .then().statusCode(200);
        given().queryParam("offset", 0).queryParam("length", 4096).get("/api/v1/volumes/" + vol + "/data").then().statusCode(200);
        // Replication gauges follow the node's primaries once a second.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
            Set<String> exported = new TreeSet<>();
            scrape.lines().filter(l -> !l.startsWith("#")).forEach(l -> {
                Matcher m = METRIC.matcher(l);
                if (m.lookingAt()) {
                    exported.add(m.group());
                }
            });
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(exported);
            assertEquals(Set.of(), missing, "queried by the dashboard but not exported");
        });
        given().delete("/api/v1/volumes/" + vol).then().statusCode(204);
    }

    @Test
    void prometheusScrapesTheQuarkusMetricsPath() throws Exception {
        List<String> lines = Files.readAllLines(MONITORING.resolve("prometheus.yml"));
        assertTrue(lines.stream().anyMatch(l -> l.strip().equals("metrics_path: /q/metrics")), String.join("\n", lines));
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void scrapesAreGzippedWhenTheScraperAcceptsIt() {
        // Prometheus's own Accept and Accept-Encoding; RestAssured decompresses the body.
        given().header("Accept", "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                .header("Accept-Encoding", "gzip").get("/q/metrics").then().statusCode(200)
                .header("Content-Encoding", "gzip").header("Content-Type", org.hamcrest.Matchers.startsWith("application/openmetrics-text"))
                .body(org.hamcrest.Matchers.containsString("galleon_volumes "));
        // (RestAssured's client adds gzip to any Accept-Encoding, so the identity case is ScrapeBufferTest's and bench/metrics-scrape's.)
        given().header("Accept", "text/plain").get("/q/metrics").then().statusCode(200)
                .header("Content-Type", org.hamcrest.Matchers.startsWith("text/plain; version=0.0.4"))
                .body(org.hamcrest.Matchers.containsString("# TYPE galleon_cluster_is_leader gauge"));
        given().header("Accept", "application/openmetrics-text; version=1.0.0").get("/q/metrics").then().statusCode(200)
                .header("Content-Type", org.hamcrest.Matchers.startsWith("application/openmetrics-text"))
                .body(org.hamcrest.Matchers.endsWith("# EOF\n"));
    }
}
