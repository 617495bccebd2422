package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.CLASSES;
import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteClass;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/volumes/{ref}/qos}: the seed's QoSPolicy shape, validation as problems, class policies, enforcement. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeQosResourceTest {

    private static final Map<String, Object> SEED = Map.of(
            "name", "database-qos",
            "limits", Map.of("iops", 1000, "throughput_mbps", 100, "latency_ms", 10),
            "guarantees", Map.of("iops", 500, "throughput_mbps", 50),
            "burstable", Map.of("enabled", true, "duration_seconds", 300, "iops_multiplier", 2.0, "throughput_multiplier", 2.0));

    private static io.restassured.response.Response put(String vol, Object body) {
        return given().contentType(ContentType.JSON).body(body).put(VOLUMES + "/" + vol + "/qos");
    }

    private static String metric(String name, String vol) {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines().filter(l -> l.startsWith(name + "{") && l.contains("volume=\"" + vol + "\"")).findFirst().orElse("");
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void seedPolicyIsStoredShownAndCleared() {
        String vol = unique("t-qos");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("none"))
                .body("effective", nullValue());
        put(vol, SEED).then().statusCode(200).body("source", equalTo("volume"))
                .body("effective.limits.iops", equalTo(1000)).body("effective.limits.throughput_mbps", equalTo(100))
                .body("effective.guarantees.iops", equalTo(500)).body("effective.burstable.duration_seconds", equalTo(300))
                .body("effective.burstable.iops_multiplier", equalTo(2.0f));
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("volume_override.name", equalTo("database-qos"));
        given().delete(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("none"));
        deleteVolume(vol);
    }

    @Test
    void badPoliciesAreProblems() {
        String vol = unique("t-qos-bad");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        assertTrue(assertProblem(put(vol, Map.of("limits", Map.of("iops", -5))), 400).contains("limits.iops"));
        assertTrue(assertProblem(put(vol, Map.of("limits", Map.of("throughput_mbps", 0))), 400).contains("throughput_mbps"));
        assertTrue(assertProblem(put(vol, Map.of("guarantees", Map.of("iops", 10),
                "burstable", Map.of("enabled", true, "duration_seconds", 30, "iops_multiplier", 2.0))), 400).contains("needs a limit"));
        assertTrue(assertProblem(put(vol, Map.of()), 400).contains("no limit"));
        assertProblem(put(vol, Map.of("limits", Map.of("iops", "many"))), 400);
        assertProblem(given().contentType(ContentType.JSON).body("{").put(VOLUMES + "/" + vol + "/qos"), 400);
        assertProblem(put(unique("missing"), SEED), 404);
        // Nothing was stored by the refused requests.
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("none"));
        deleteVolume(vol);
    }

    @Test
    void classPolicyAppliesAndTheVolumeOverridesIt() {
        String cls = unique("qos-class");
        given().contentType(ContentType.JSON).body(Map.of("name", cls, "parameters", Map.of("replication", "1"),
                "qos", Map.of("limits", Map.of("iops", 2000)))).post(CLASSES).then().statusCode(201)
                .body("qos.limits.iops", equalTo(2000));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", unique("qos-bad"),
                "qos", Map.of("limits", Map.of("iops", -1)))).post(CLASSES), 400);
        String vol = unique("t-qos-cls");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", cls, "replicas", 1));
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("storage_class"))
                .body("effective.limits.iops", equalTo(2000));
        put(vol, Map.of("limits", Map.of("iops", 300))).then().statusCode(200).body("source", equalTo("volume"))
                .body("effective.limits.iops", equalTo(300)).body("class_policy.limits.iops", equalTo(2000));
        given().delete(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("storage_class"));
        deleteVolume(vol);
        deleteClass(cls);
    }

    @Test
    void limitIsEnforcedOnlineAndThrottlingIsExported() {
        String vol = unique("t-qos-io");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        // First I/O without a policy: the volume's QoS slot exists, nothing is held back.
        given().contentType(ContentType.BINARY).body(new byte[4096]).queryParam("offset", 0).put(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200);
        assertTrue(metric("galleon_volume_qos_throttled_operations_total", vol).endsWith(" 0.0"));
        // Applied online: the next requests are delayed (not refused) at 10 IOPS.
        put(vol, Map.of("limits", Map.of("iops", 10))).then().statusCode(200);
        for (int i = 0; i < 12; i++) {
            given().contentType(ContentType.BINARY).body(new byte[4096]).queryParam("offset", 4096L * i)
                    .put(VOLUMES + "/" + vol + "/data").then().statusCode(200);
        }
        assertTrue(value(metric("galleon_volume_qos_throttled_operations_total", vol)) >= 1);
        assertTrue(value(metric("galleon_volume_qos_throttled_seconds_total", vol)) > 0.5,
                metric("galleon_volume_qos_throttled_seconds_total", vol));
        assertTrue(metric("galleon_volume_qos_limit_iops", vol).endsWith(" 10.0"));
        deleteVolume(vol);
    }

    @Test
    void qosSeriesCarryTheVolumesNamespace() {
        String vol = unique("t-qos-ns");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1, "namespace", "team-qos"));
        put(vol, Map.of("limits", Map.of("iops", 5000))).then().statusCode(200);
        given().contentType(ContentType.BINARY).body(new byte[4096]).queryParam("offset", 0).put(VOLUMES + "/" + vol + "/data")
                .then().statusCode(200);
        for (String series : new String[] {"galleon_volume_qos_throttled_operations_total", "galleon_volume_qos_limit_iops",
                "galleon_volume_io_operations_total"}) {
            String line = metric(series, vol);
            assertTrue(line.contains("namespace=\"team-qos\""), series + ": " + line);
        }
        deleteVolume(vol);
    }

    @Test
    void changingQosNeedsAnAdmin() {
        String vol = unique("t-qos-auth");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        String operator = given().contentType(ContentType.JSON).body(Map.of("name", unique("op"), "role", "operator"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        assertProblem(given().noFilters().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON)
                .body(Map.of("limits", Map.of("iops", 100000))).put(VOLUMES + "/" + vol + "/qos"), 403);
        given().noFilters().header("Authorization", "Bearer " + operator).get(VOLUMES + "/" + vol + "/qos").then().statusCode(200);
        deleteVolume(vol);
    }
}
