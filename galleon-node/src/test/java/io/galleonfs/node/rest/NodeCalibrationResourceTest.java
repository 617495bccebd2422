package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.volume.qos.NodeCapacity;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/daemon/calibrate} and {@code GET /api/v1/daemon/capacity}: a real calibration gives the node a
 * capacity that {@code cluster peers} shows and admission control enforces. In an application of its own (a profile), so
 * the capacity it sets does not reach the other test classes' reservations.
 */
@QuarkusTest
@TestProfile(NodeCalibrationResourceTest.OwnNode.class)
@WithTestResource(TempStorageResource.class)
class NodeCalibrationResourceTest {
    public static final class OwnNode implements QuarkusTestProfile {
    }

    @Test
    void calibrationSetsTheCapacityThatPeersShowAndAdmissionEnforces() {
        given().get("/api/v1/daemon/capacity").then().statusCode(200).body("source", equalTo("none"))
                .body("capacity_iops", equalTo(0)).body("calibrated_iops", nullValue());
        assertTrue(assertProblem(given().post("/api/v1/daemon/calibrate?seconds=0"), 400).contains("seconds must be from 1 to 60"));

        JsonPath c = given().post("/api/v1/daemon/calibrate?seconds=1").then().statusCode(200).body("source", equalTo("calibrated"))
                .body("calibrated_iops", greaterThan(0)).body("queue_depth", equalTo(32)).extract().jsonPath();
        long capacity = c.getLong("capacity_iops");
        assertEquals((long) Math.floor(c.getLong("calibrated_iops") * NodeCapacity.USABLE_FRACTION), capacity);
        given().get("/api/v1/daemon/capacity").then().statusCode(200).body("capacity_iops", equalTo((int) capacity));
        List<Integer> peers = given().get("/api/v1/cluster/peers").then().statusCode(200).extract().jsonPath().getList("capacity_iops");
        assertEquals(List.of((int) capacity), peers);

        String vol = unique("t-cal");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        String detail = assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("guarantees", Map.of("iops", capacity + 1))).put("/api/v1/volumes/" + vol + "/qos"), 409);
        assertTrue(detail.contains("above its capacity of " + capacity + " IOPS"), detail);
        given().contentType(ContentType.JSON).body(Map.of("guarantees", Map.of("iops", capacity))).put("/api/v1/volumes/" + vol + "/qos")
                .then().statusCode(200);

        // The same calibration measured 1 MiB write throughput: throughput reservations are admitted against it.
        long mbps = c.getLong("capacity_mbps");
        assertEquals("calibrated", c.getString("source_mbps"));
        assertEquals((long) Math.floor(c.getLong("calibrated_mbps") * NodeCapacity.USABLE_FRACTION), mbps);
        assertTrue(mbps > 0, "capacity_mbps: " + mbps);
        assertEquals(List.of((int) mbps), given().get("/api/v1/cluster/peers").then().statusCode(200).extract().jsonPath()
                .getList("capacity_mbps"));
        String tooMuch = assertProblem(given().contentType(ContentType.JSON)
                .body(Map.of("guarantees", Map.of("iops", capacity, "throughput_mbps", mbps + 1))).put("/api/v1/volumes/" + vol + "/qos"), 409);
        assertTrue(tooMuch.contains("the throughput reservations on node") && tooMuch.contains("above its capacity of " + mbps + " MB/s"),
                tooMuch);
        given().contentType(ContentType.JSON).body(Map.of("guarantees", Map.of("throughput_mbps", mbps)))
                .put("/api/v1/volumes/" + vol + "/qos").then().statusCode(200);
        deleteVolume(vol);
    }
}
