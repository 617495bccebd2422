package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathParamsTest {
    private static final String UUID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

    @Test
    void theCollectionBeforeTheParameterNamesTheKind() {
        assertEquals("volumes", PathParams.collectionOf("/api/v1/volumes/{ref}/snapshots/{name}", "ref"));
        assertEquals("snapshots", PathParams.collectionOf("/api/v1/volumes/{ref}/snapshots/{name}", "name"));
        assertEquals("resource", PathParams.collectionOf("/{x}", "x"));
        assertEquals("resource", PathParams.collectionOf(null, "x"));
    }

    @Test
    void dotSegmentsAreRefusedForEveryKind() {
        for (String template : new String[] {"/volumes/{ref}", "/volumes/{ref}/snapshots/{name}", "/storage-classes/{name}",
            "/volumes/{ref}/mounts/{id}", "/backup-targets/{target}"}) {
            String param = template.substring(template.lastIndexOf('{') + 1, template.length() - 1);
            for (String bad : new String[] {".", "..", "", "a/b", "%2e%2e"}) {
                assertThrows(IllegalArgumentException.class, () -> PathParams.requireValid(template, param, bad), template + " " + bad);
            }
        }
    }

    @Test
    void messagesNameTheKind() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PathParams.requireValid("/volumes/{ref}/snapshots/{name}", "name", "..")).getMessage().startsWith("snapshot"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PathParams.requireValid("/backup-targets/{t}", "t", "..")).getMessage().startsWith("backup target"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PathParams.requireValid("/volumes/{ref}/mounts/{id}", "id", "web")).getMessage().startsWith("mount id"));
    }

    @Test
    void validValuesPass() {
        assertEquals("web-data", PathParams.requireValid("/volumes/{ref}", "ref", "web-data"));
        assertEquals(UUID, PathParams.requireValid("/volumes/{ref}", "ref", UUID));
        assertEquals(UUID, PathParams.requireValid("/volumes/{ref}/mounts/{id}", "id", UUID));
        assertEquals("fast-local-ssd", PathParams.requireValid("/storage-classes/{name}", "name", "fast-local-ssd"));
    }
}
