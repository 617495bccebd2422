package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.CLASSES;
import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteClass;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/qos-policies} and {@code /api/v1/volumes/{ref}/qos-policy}: named policies in the seed's QoSPolicy shape. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class QosPolicyResourceTest {
    static final String POLICIES = "/api/v1/qos-policies";

    /** The seed's example, field names unchanged. */
    private static Map<String, Object> seed(String name) {
        return Map.of(
                "name", name,
                "limits", Map.of("iops", 1000, "throughput_mbps", 100, "latency_ms", 10),
                "guarantees", Map.of("iops", 500, "throughput_mbps", 50),
                "burstable", Map.of("enabled", true, "duration_seconds", 300, "iops_multiplier", 2.0, "throughput_multiplier", 2.0));
    }

    private static Response post(Object body) {
        return given().contentType(ContentType.JSON).body(body).post(POLICIES);
    }

    private static Response follow(String vol, Object body) {
        return given().contentType(ContentType.JSON).body(body).put(VOLUMES + "/" + vol + "/qos-policy");
    }

    @Test
    void seedPolicyIsCreatedListedFollowedUpdatedAndDeleted() {
        String name = unique("database-qos");
        post(seed(name)).then().statusCode(201).header("Location", endsWith(POLICIES + "/" + name))
                .body("policy.name", equalTo(name)).body("policy.limits.latency_ms", equalTo(10))
                .body("policy.guarantees.throughput_mbps", equalTo(50)).body("policy.burstable.throughput_multiplier", equalTo(2.0f));
        given().get(POLICIES).then().statusCode(200).body("policy.name", hasItem(name));
        String vol = unique("t-named");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        follow(vol, Map.of("policy", name)).then().statusCode(200).body("source", equalTo("policy"))
                .body("policy_name", equalTo(name)).body("effective.limits.iops", equalTo(1000));
        given().get(POLICIES + "/" + name).then().statusCode(200).body("volumes", equalTo(List.of(vol)));

        Map<String, Object> lower = new HashMap<>(seed(name));
        lower.put("limits", Map.of("iops", 600, "throughput_mbps", 100));
        given().contentType(ContentType.JSON).body(lower).put(POLICIES + "/" + name).then().statusCode(200)
                .body("policy.limits.iops", equalTo(600));
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("effective.limits.iops", equalTo(600));

        assertTrue(assertProblem(given().delete(POLICIES + "/" + name), 409).contains(vol));
        given().delete(VOLUMES + "/" + vol + "/qos-policy").then().statusCode(200).body("source", equalTo("none"))
                .body("effective", nullValue());
        given().delete(POLICIES + "/" + name).then().statusCode(204);
        assertProblem(given().get(POLICIES + "/" + name), 404);
        deleteVolume(vol);
    }

    @Test
    void forceDeleteDetachesVolumes() {
        String name = unique("detach");
        post(Map.of("name", name, "limits", Map.of("iops", 50))).then().statusCode(201);
        String vol = unique("t-detach");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        follow(vol, Map.of("policy", name)).then().statusCode(200);
        given().queryParam("force", true).delete(POLICIES + "/" + name).then().statusCode(204);
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("none"));
        deleteVolume(vol);
    }

    @Test
    void storageClassNamesADefaultPolicy() {
        String name = unique("bulk");
        post(Map.of("name", name, "limits", Map.of("throughput_mbps", 20))).then().statusCode(201);
        String cls = unique("qos-named-class");
        assertTrue(assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", unique("c-missing"),
                "parameters", Map.of("qos_policy", unique("nope")))).post(CLASSES), 400).contains("does not exist"));
        assertTrue(assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", unique("c-both"),
                "parameters", Map.of("qos_policy", name), "qos", Map.of("limits", Map.of("iops", 5)))).post(CLASSES), 400)
                .contains("not both"));
        given().contentType(ContentType.JSON).body(Map.of("name", cls, "parameters", Map.of("replication", "1", "qos_policy", name)))
                .post(CLASSES).then().statusCode(201);
        String vol = unique("t-cls-named");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", cls, "replicas", 1));
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("storage_class_policy"))
                .body("policy_name", equalTo(name)).body("effective.limits.throughput_mbps", equalTo(20));
        assertTrue(assertProblem(given().delete(POLICIES + "/" + name), 409).contains(cls));
        deleteVolume(vol);
        deleteClass(cls);
        given().delete(POLICIES + "/" + name).then().statusCode(204);
    }

    @Test
    void badInputIsAProblem() {
        assertTrue(assertProblem(post(Map.of("limits", Map.of("iops", 10))), 400).contains("needs a name"));
        assertTrue(assertProblem(post(Map.of("name", "Bad_Name", "limits", Map.of("iops", 10))), 400).contains("invalid"));
        assertTrue(assertProblem(post(Map.of("name", unique("neg"), "limits", Map.of("iops", -1))), 400).contains("limits.iops"));
        assertProblem(post(Map.of("name", unique("empty"))), 400);
        assertProblem(given().contentType(ContentType.JSON).body("{").post(POLICIES), 400);
        assertProblem(post(Map.of("name", unique("typo"), "limit", Map.of("iops", 10))), 400);
        String name = unique("dup");
        post(Map.of("name", name, "limits", Map.of("iops", 10))).then().statusCode(201);
        assertProblem(post(Map.of("name", name, "limits", Map.of("iops", 10))), 409);
        assertTrue(assertProblem(given().contentType(ContentType.JSON).body(Map.of("name", unique("other"), "limits", Map.of("iops", 5)))
                .put(POLICIES + "/" + name), 400).contains("does not match"));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("limits", Map.of("iops", 5))).put(POLICIES + "/" + unique("missing")), 404);
        String vol = unique("t-named-bad");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        assertProblem(follow(vol, Map.of("policy", unique("missing"))), 404);
        assertProblem(follow(vol, Map.of()), 400);
        assertProblem(follow(unique("no-volume"), Map.of("policy", name)), 404);
        given().get(VOLUMES + "/" + vol + "/qos").then().statusCode(200).body("source", equalTo("none"));
        deleteVolume(vol);
        given().delete(POLICIES + "/" + name).then().statusCode(204);
    }

    @Test
    void changingNamedPoliciesNeedsAnAdmin() {
        String operator = given().contentType(ContentType.JSON).body(Map.of("name", unique("op"), "role", "operator"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        assertProblem(given().noFilters().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON)
                .body(Map.of("name", unique("mine"), "limits", Map.of("iops", 10))).post(POLICIES), 403);
        given().noFilters().header("Authorization", "Bearer " + operator).get(POLICIES).then().statusCode(200);
        String vol = unique("t-named-auth");
        createVolume(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1));
        assertProblem(given().noFilters().header("Authorization", "Bearer " + operator).delete(VOLUMES + "/" + vol + "/qos-policy"), 403);
        deleteVolume(vol);
    }
}
