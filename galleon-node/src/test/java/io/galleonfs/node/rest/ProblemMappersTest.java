package io.galleonfs.node.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.Problem;
import io.galleonfs.node.volume.GalleonException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

/** The problem details produced for each kind of JSON error, without starting the application. */
class ProblemMappersTest {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private static String describe(String json) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> MAPPER.readValue(json, CreateVolumeRequest.class));
        return ProblemMappers.describe(e);
    }

    @Test
    void unknownField() {
        assertEquals("unknown field 'nmae'", describe("{\"nmae\": \"x\"}"));
    }

    @Test
    void wrongType() {
        assertEquals("field 'size' has the wrong type", describe("{\"size\": {\"value\": 1}}"));
    }

    @Test
    void invalidNumber() {
        String d = describe("{\"replicas\": \"three\"}");
        assertTrue(d.startsWith("field 'replicas' has an invalid value"), d);
    }

    @Test
    void numberOutOfRange() {
        String d = describe("{\"replicas\": 99999999999}");
        assertTrue(d.startsWith("field 'replicas': ") && d.contains("out of range"), d);
    }

    @Test
    void notAnObject() {
        assertEquals("request body is empty or not the expected JSON object", describe("[]"));
    }

    @Test
    void malformed() {
        String d = describe("{\"name\": ");
        assertTrue(d.startsWith("malformed JSON"), d);
        assertEquals("malformed JSON at line 1 column 2", describe("{name: 1}"));
    }

    @Test
    void galleonExceptionKeepsItsStatusAndMessage() {
        Response r = new ProblemMappers().galleon(GalleonException.conflict("volume 'x' already exists"));
        assertEquals(409, r.getStatus());
        assertEquals(Problem.MEDIA_TYPE, r.getMediaType().toString());
        Problem p = (Problem) r.getEntity();
        assertEquals(Problem.of(409, "Conflict", "volume 'x' already exists"), p);
    }
}
