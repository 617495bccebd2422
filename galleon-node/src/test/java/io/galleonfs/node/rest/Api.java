package io.galleonfs.node.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.galleonfs.api.Problem;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Small helpers shared by the REST tests. The tests share one running node, so names are unique per call. */
final class Api {
    static final String VOLUMES = "/api/v1/volumes";
    static final String CLASSES = "/api/v1/storage-classes";

    private Api() {
    }

    /** A valid, unique resource name such as {@code t-create-1a2b3c4d}. */
    static String unique(String prefix) {
        return "t-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static int volumeCount() {
        List<Object> all = given().accept(ContentType.JSON).get(VOLUMES)
                .then().statusCode(200).extract().jsonPath().getList("$");
        return all.size();
    }

    static Response postVolume(Object body) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).post(VOLUMES);
    }

    static Response postVolumeRaw(String body) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).post(VOLUMES);
    }

    /** Creates a volume and returns its id. */
    static String createVolume(Map<String, Object> body) {
        return postVolume(body).then().statusCode(201).extract().path("id");
    }

    static void deleteVolume(String ref) {
        given().delete(VOLUMES + "/" + ref).then().statusCode(204);
    }

    static void deleteClass(String name) {
        given().delete(CLASSES + "/" + name).then().statusCode(204);
    }

    /** Checks that a response is an RFC 9457 problem with the given 4xx status and a readable detail; returns it. */
    static String assertProblem(Response r, int status) {
        ValidatableResponse v = r.then().statusCode(status)
                .contentType(startsWith(Problem.MEDIA_TYPE))
                .statusCode(allOf(greaterThanOrEqualTo(400), lessThan(500)));
        Object detail = r.path("detail");
        assertNotNull(detail, () -> "problem without detail: " + r.asString());
        assertEquals(String.class, detail.getClass(), () -> "detail must be a string: " + r.asString());
        assertFalse(((String) detail).isBlank(), () -> "detail is blank: " + r.asString());
        assertEquals(Integer.valueOf(status), r.path("status"), () -> "status field: " + r.asString());
        v.body("title", not(org.hamcrest.Matchers.emptyOrNullString()));
        return (String) detail;
    }
}
