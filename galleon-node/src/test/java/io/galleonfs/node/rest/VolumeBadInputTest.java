package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.postVolumeRaw;
import static io.galleonfs.node.rest.Api.unique;
import static io.galleonfs.node.rest.Api.volumeCount;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every rejected create answers 4xx with a problem body, and never creates a volume. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeBadInputTest {

    static Stream<Arguments> badBodies() {
        return Stream.of(
                // body shape
                Arguments.of("malformed JSON", "{\"name\": \"t-bad\",", 400, "malformed JSON"),
                Arguments.of("unquoted JSON", "{name: t-bad}", 400, "malformed JSON"),
                Arguments.of("empty body", "", 400, "request body"),
                Arguments.of("whitespace body", "   ", 400, "request body"),
                Arguments.of("JSON null", "null", 400, "request body"),
                Arguments.of("JSON array", "[]", 400, "expected JSON object"),
                Arguments.of("JSON array of objects", "[{\"name\": \"t-bad\"}]", 400, "expected JSON object"),
                Arguments.of("JSON string", "\"t-bad\"", 400, ""),
                Arguments.of("JSON number", "42", 400, ""),
                Arguments.of("unknown field", "{\"nmae\": \"t-bad\"}", 400, "unknown field 'nmae'"),
                Arguments.of("size as object", "{\"size\": {\"value\": 1, \"unit\": \"G\"}}", 400, "size"),
                Arguments.of("size as array", "{\"size\": [\"1G\"]}", 400, "size"),
                Arguments.of("name as object", "{\"name\": {}}", 400, "name"),
                Arguments.of("replicas as text", "{\"replicas\": \"three\", \"storage_class\": \"fast-local-ssd\"}", 400, "replicas"),
                Arguments.of("replicas as object", "{\"replicas\": {}, \"storage_class\": \"fast-local-ssd\"}", 400, "replicas"),
                // sizes
                Arguments.of("negative size", "{\"size\": \"-1G\"}", 400, "-1G"),
                Arguments.of("zero size", "{\"size\": \"0\"}", 400, "greater than zero"),
                Arguments.of("zero size with unit", "{\"size\": \"0G\"}", 400, "greater than zero"),
                Arguments.of("empty size", "{\"size\": \"\"}", 400, "size is empty"),
                Arguments.of("fractional size", "{\"size\": \"1.5G\"}", 400, "1.5G"),
                Arguments.of("unknown unit", "{\"size\": \"1X\"}", 400, "1X"),
                Arguments.of("oversized 9000P", "{\"size\": \"9000P\"}", 400, "too large"),
                Arguments.of("oversized digits", "{\"size\": \"99999999999999999999\"}", 400, "too large"),
                Arguments.of("oversized 2P", "{\"size\": \"2P\"}", 400, "maximum"),
                Arguments.of("oversized 1025T", "{\"size\": \"1025T\"}", 400, "maximum"),
                Arguments.of("more than 2^31-1 blocks", "{\"size\": \"9T\", \"storage_class\": \"fast-local-ssd\"}", 400, "2^31-1 blocks"),
                Arguments.of("not a block multiple", "{\"size\": \"1000\"}", 400, "multiple"),
                Arguments.of("not a block multiple 6K", "{\"size\": \"6K\", \"storage_class\": \"fast-local-ssd\"}", 400, "multiple"),
                // names
                Arguments.of("uppercase name", "{\"name\": \"MyVolume\"}", 400, "MyVolume"),
                Arguments.of("underscore name", "{\"name\": \"my_volume\"}", 400, "my_volume"),
                Arguments.of("64 char name", "{\"name\": \"" + "a".repeat(64) + "\"}", 400, "1-63"),
                Arguments.of("UUID-shaped name", "{\"name\": \"123e4567-e89b-12d3-a456-426614174000\"}", 400, "UUID"),
                Arguments.of("leading dash", "{\"name\": \"-vol\"}", 400, "-vol"),
                Arguments.of("trailing dash", "{\"name\": \"vol-\"}", 400, "vol-"),
                Arguments.of("dot in name", "{\"name\": \"my.vol\"}", 400, "my.vol"),
                Arguments.of("slash in name", "{\"name\": \"a/b\"}", 400, "a/b"),
                Arguments.of("space in name", "{\"name\": \"my vol\"}", 400, "my vol"),
                Arguments.of("non-ASCII name", "{\"name\": \"vol\u00e9\"}", 400, "invalid"),
                // references and enums
                Arguments.of("unknown storage class", "{\"storage_class\": \"no-such-class\"}", 404, "no-such-class"),
                Arguments.of("empty storage class", "{\"storage_class\": \"\"}", 404, "not found"),
                Arguments.of("invalid volume_type", "{\"volume_type\": \"temporary\"}", 400, "temporary"),
                Arguments.of("invalid access_mode", "{\"access_mode\": \"ReadWriteSometimes\"}", 400, "ReadWriteSometimes"),
                Arguments.of("replicas 0", "{\"replicas\": 0, \"storage_class\": \"fast-local-ssd\"}", 400, "replicas"),
                Arguments.of("replicas -1", "{\"replicas\": -1, \"storage_class\": \"fast-local-ssd\"}", 400, "replicas"),
                Arguments.of("replicas 6 above max_replicas", "{\"replicas\": 6, \"storage_class\": \"fast-local-ssd\"}", 400, "max_replicas"),
                Arguments.of("replicas 99", "{\"replicas\": 99, \"storage_class\": \"fast-local-ssd\"}", 400, "replicas"),
                Arguments.of("replicas overflow", "{\"replicas\": 99999999999, \"storage_class\": \"fast-local-ssd\"}", 400, "out of range"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void badCreateIsRejected(String label, String body, int status, String detailPart) {
        int before = volumeCount();
        String detail = assertProblem(postVolumeRaw(body), status);
        assertTrue(detail.contains(detailPart), () -> label + ": detail '" + detail + "' should mention '" + detailPart + "'");
        assertFalse(detail.contains("Exception") || detail.contains("\tat "), () -> label + ": internal detail leaked: " + detail);
        assertEquals(before, volumeCount(), label + ": no volume may be created");
    }

    /**
     * Main-code bug (see the test report): Jackson's FAIL_ON_TRAILING_TOKENS is off, so a body with garbage after the
     * JSON object is accepted and the volume is created. Enable once the ObjectMapper rejects trailing tokens.
     */
    @Test
    void trailingGarbageIsRejected() {
        int before = volumeCount();
        String name = unique("trailing");
        assertProblem(postVolumeRaw("{\"name\": \"" + name + "\", \"storage_class\": \"fast-local-ssd\"} }"), 400);
        assertEquals(before, volumeCount());
    }

    @Test
    void duplicateNameIsAConflict() {
        String name = unique("dup");
        createVolume(Map.of("name", name, "storage_class", "fast-local-ssd"));
        int before = volumeCount();
        String detail = assertProblem(postVolumeRaw("{\"name\": \"" + name + "\", \"storage_class\": \"encrypted-storage\"}"), 409);
        assertTrue(detail.contains(name), detail);
        assertEquals(before, volumeCount());
        given().get(VOLUMES + "/" + name).then().statusCode(200)
                .body("storage_class", org.hamcrest.Matchers.equalTo("fast-local-ssd"));
        deleteVolume(name);
    }

    @Test
    void wrongContentTypeIsRejected() {
        int before = volumeCount();
        assertProblem(given().contentType(ContentType.TEXT).body("{}").post(VOLUMES), 415);
        assertProblem(given().contentType(ContentType.XML).body("<volume/>").post(VOLUMES), 415);
        assertEquals(before, volumeCount());
    }

    @Test
    void unacceptableResponseTypeIsRejected() {
        int before = volumeCount();
        assertProblem(given().accept(ContentType.XML).contentType(ContentType.JSON).body("{}").post(VOLUMES), 406);
        assertEquals(before, volumeCount());
    }
}
